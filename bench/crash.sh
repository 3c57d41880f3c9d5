#!/usr/bin/env bash
# The long form of the crash-safety test (crates/kasane/tests/it/crash.rs, issue #10): on
# SQLite and on PostgreSQL, `kasane serve` as a child process, two clients writing through
# the API, SIGKILL at a random moment, restart, check (acknowledged writes intact, every
# commit audited, no orphan rows, `kasane audit verify`). The test suite runs 5 trials per
# engine; this runs --trials (default 50) in strict mode (PostgreSQL must be there), one
# engine after the other (each has the machine to itself), and prints one summary line per
# engine, with the date and the machine.
#
# Usage: bash bench/crash.sh [--trials 50] [--release]
#   --release  build the test binary and kasane optimised (more writes per trial; the
#              default debug build is the one the test suite uses)
# PostgreSQL: $KASANE_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

trials=50
profile=()
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --trials) trials=$2; shift 2 ;;
    --release) profile=(--release); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "crash: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "crash: $trials trials per engine (cargo test ${profile[*]:-(debug)})" >&2
status=0
KASANE_STRICT=1 KASANE_CRASH_TRIALS=$trials \
  cargo test --manifest-path "$root/Cargo.toml" -p kasane --test it "${profile[@]}" \
  -- crash:: --nocapture --test-threads=1 >"$log" 2>&1 || status=$?

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(rustc -V), commit $(git -C "$root" rev-parse --short HEAD)"
grep -o 'crash [a-z]*: trials=.*' "$log" || true
if [ "$status" -ne 0 ]; then
  tail -n 60 "$log" >&2
  echo "crash: FAILED (exit $status)" >&2
fi
exit "$status"
