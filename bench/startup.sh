#!/usr/bin/env bash
# Cold start and idle memory of the release binary: `kasane demo` (fresh demo database,
# both municipalities' records) and `kasane serve` on that database (three runs).
# Usage: bash bench/startup.sh   (builds the release binary first; uses port 18080)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release -p kasane --manifest-path "$root/Cargo.toml" >/dev/null
bin="$root/target/release/kasane"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
port=18080

measure() {
  local label=$1
  shift
  local t0 t1 pid rss rss_page
  t0=$(date +%s.%N)
  "$@" --bind "127.0.0.1:$port" >"$work/$label.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.005; done
  t1=$(date +%s.%N)
  sleep 2
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  curl -sf "http://127.0.0.1:$port/login" >/dev/null
  rss_page=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  printf '%-8s ready %6.3f s   idle RSS %6d kB   after one page %6d kB\n' \
    "$label" "$(echo "$t1 - $t0" | bc)" "$rss" "$rss_page"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

measure demo "$bin" demo
for i in 1 2 3; do
  measure "serve$i" "$bin" serve --database sqlite://kasane-demo.db
done
