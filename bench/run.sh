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
#                          [--reuse]  (measure the databases an earlier --keep kept)
# PostgreSQL: $KASANE_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

persons=100000
engines=sqlite,postgres
duration=3
warmup=1
concurrency=1,16,64
keep=0
reuse=0
pg_server=${KASANE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --persons) persons=$2; shift 2 ;;
    --engines) engines=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --reuse) reuse=1; keep=1; shift ;;
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

urls=()
cleanup() {
  if [ "$keep" = 0 ]; then
    for u in "${urls[@]}"; do "$bench" drop "$u" || true; done
  fi
}
trap cleanup EXIT

add_user() { # agency username display-name roles
  printf '%s\n' "$password" | "$kasane" user add --database "$url" --municipality daisen \
    --agency "$1" --username "$2" --display-name "$3" --roles "$4" --password-stdin >/dev/null
}

add_users() {
  add_user shakai_fukushi_ka bench.many "ベンチ 多見" staff       # registers most persons
  add_user usachan_hiroba bench.few "ベンチ 少見" staff           # involved with a handful
  add_user shakyo bench.coordinator "ベンチ 推進員" coordinator   # the coordinating agency
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
    data="data: \`kasane gen --municipality daisen --persons $n --seed 1\`"
    if [ "$reuse" = 1 ]; then
      echo "bench: $engine, $n persons: reusing $url (kept by an earlier --keep)" >&2
    else
      echo "bench: $engine, $n persons: fresh database $url" >&2
      "$bench" reset "$url"
      t0=$(date +%s)
      "$kasane" gen --database "$url" --municipality daisen --persons "$n" --seed 1 >&2
      add_users
      echo "bench: filled in $(($(date +%s) - t0)) s" >&2
    fi
    echo "bench: ANALYZE" >&2
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
