#!/usr/bin/env bash
# One command for the request benchmarks: for each engine × scale, a fresh database filled
# by `kasane gen`, ANALYZE, three bench users, then `kasane-bench run` (starts `kasane
# serve`, measures every endpoint beside the /healthz ceiling and the SQL floor at each
# concurrency). One markdown table per engine × scale on stdout and in
# bench/results/<date>-<engine>-<persons>.md. The databases are dropped afterwards.
#
# Usage: bash bench/run.sh [--persons 100000,1000000] [--engines sqlite,postgres]
#                          [--duration SECONDS] [--warmup SECONDS] [--concurrency 1,16,64]
#                          [--keep]   (keep the databases)
# PostgreSQL: $KASANE_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

persons=100000
engines=sqlite,postgres
duration=3
warmup=1
concurrency=1,16,64
keep=0
pg_server=${KASANE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --persons) persons=$2; shift 2 ;;
    --engines) engines=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

target=${CARGO_TARGET_DIR:-$root/target}
echo "bench: building release binaries (target $target)" >&2
cargo build --release -p kasane -p kasane-bench --manifest-path "$root/Cargo.toml" >&2
kasane=$target/release/kasane
bench=$target/release/kasane-bench
work=$target/bench
mkdir -p "$work" "$root/bench/results"

password=kasane-bench-password-2026
day=$(date +%F)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
ram=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
machine="machine: $(nproc) cores ($cpu), $ram, $os; commit $(git -C "$root" rev-parse --short HEAD)"

demo_pid=
urls=()
cleanup() {
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null || true
  if [ "$keep" = 0 ]; then
    for u in "${urls[@]}"; do "$bench" drop "$u" || true; done
  fi
}
trap cleanup EXIT

has_gen() { "$kasane" gen --help >/dev/null 2>&1; }

add_user() { # agency username display-name roles
  printf '%s\n' "$password" | "$kasane" user add --database "$url" --municipality daisen \
    --agency "$1" --username "$2" --display-name "$3" --roles "$4" --password-stdin >/dev/null
}

add_users() {
  add_user shakai_fukushi_ka bench.many "ベンチ 多見" staff       # registers most persons
  add_user usachan_hiroba bench.few "ベンチ 少見" staff           # involved with a handful
  add_user shakyo bench.coordinator "ベンチ 推進員" coordinator   # the coordinating agency
}

# Until `kasane gen` exists: the demo's records (households, cases, meetings) and n
# generated persons imported from CSV: 55 % registered by shakai_fukushi_ka, the rest by
# houkatsu, and 5 by usachan_hiroba.
fill_fallback() {
  local n=$1 port=$((20000 + RANDOM % 20000))
  "$kasane" demo --database "$url" --bind "127.0.0.1:$port" >"$work/demo.log" 2>&1 &
  demo_pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$demo_pid" 2>/dev/null || { echo "bench: kasane demo failed, see $work/demo.log" >&2; exit 1; }
    sleep 0.2
  done
  kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true; demo_pid=
  add_users
  local many=$((n * 55 / 100)) csv=$work/persons.csv
  for part in "shakai_fukushi_ka $many 1" "houkatsu $((n - many - 5)) 2" "usachan_hiroba 5 3"; do
    set -- $part
    "$bench" persons-csv --persons "$2" --seed "$3" --out "$csv"
    "$kasane" import persons "$csv" --database "$url" --municipality daisen --agency "$1" \
      --as bench.many >/dev/null
  done
  rm -f "$csv"
}

IFS=, read -ra engine_list <<<"$engines"
IFS=, read -ra persons_list <<<"$persons"
for n in "${persons_list[@]}"; do
  for engine in "${engine_list[@]}"; do
    case $engine in
      sqlite) url="sqlite://$work/kasane-bench-$n.db" ;;
      postgres) url="$pg_server/kasane_bench_$n" ;;
      *) echo "bench: unknown engine $engine (sqlite, postgres)" >&2; exit 2 ;;
    esac
    urls+=("$url")
    echo "bench: $engine, $n persons: fresh database $url" >&2
    "$bench" reset "$url"
    t0=$(date +%s)
    if has_gen; then
      "$kasane" gen --database "$url" --municipality daisen --persons "$n" --seed 1 >&2
      add_users
      data="data: \`kasane gen --municipality daisen --persons $n --seed 1\`"
    else
      echo "bench: this kasane has no 'gen' command (branch gen not merged yet): using the demo records + $n persons imported from a generated CSV" >&2
      fill_fallback "$n"
      data="data: \`kasane demo\` records + $n generated persons via \`kasane import persons\` (55 % shakai_fukushi_ka, 5 usachan_hiroba; no \`kasane gen\` in this build)"
    fi
    echo "bench: filled in $(($(date +%s) - t0)) s; ANALYZE" >&2
    "$bench" analyze "$url"
    token=$("$kasane" user token bench.many --database "$url" --name bench 2>/dev/null)
    out="$root/bench/results/$day-$engine-$n.md"
    KASANE_BENCH_PASSWORD=$password KASANE_BENCH_TOKEN=$token "$bench" run \
      --kasane "$kasane" --database "$url" --title "$engine, $n persons ($day)" \
      --many bench.many --few bench.few --coordinator bench.coordinator \
      --duration "$duration" --warmup "$warmup" --concurrency "$concurrency" \
      --note "$machine" --note "$data" \
      --log "$work/serve-$engine-$n.log" --out "$out"
    if [ "$keep" = 0 ]; then "$bench" drop "$url"; fi
  done
done
