#!/usr/bin/env bash
# Times `kasane import persons` of N generated persons (bench/import_csv.py) into a fresh
# SQLite file and a fresh PostgreSQL database: wall time and max RSS (/usr/bin/time -v).
# Usage: bash bench/import.sh [N]   (default 1000000; release build in $CARGO_TARGET_DIR or target/)
# PostgreSQL: $KASANE_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
pg_server=${KASANE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
cargo build --release -p kasane >/dev/null
bin=${CARGO_TARGET_DIR:-target}/release/kasane
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/import_csv.py "$n" "$work/persons.csv"
echo "file: $n rows, $(du -h "$work/persons.csv" | cut -f1)"
for engine in sqlite postgres; do
  case $engine in
    sqlite) url="sqlite://$work/import.db" ;;
    postgres)
      db=kasane_import_bench
      psql "$pg_server/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
      url="$pg_server/$db" ;;
  esac
  "$bin" municipality import data/municipalities/daisen.toml --database "$url" >/dev/null
  echo bench-import-pw | "$bin" user add --database "$url" --municipality daisen --agency houkatsu \
    --username bench.import --display-name "取込 担当" --roles staff --password-stdin >/dev/null
  /usr/bin/time -v "$bin" import persons "$work/persons.csv" --database "$url" \
    --municipality daisen --agency houkatsu --as bench.import 2>"$work/time.txt"
  echo "$engine: wall $(grep 'Elapsed (wall' "$work/time.txt" | awk '{print $NF}'), max RSS $(grep 'Maximum resident' "$work/time.txt" | awk '{print $NF}') KB"
done
