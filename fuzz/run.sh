#!/usr/bin/env bash
# Runs every cargo-fuzz target in turn and prints how many inputs each executed.
#
#   bash fuzz/run.sh                  # the long form: 240 s a target
#   bash fuzz/run.sh --brief          # CI's form: 20 s a target
#   bash fuzz/run.sh --seconds 60 wareki name_keys
#
# Stable toolchain: cargo-fuzz's nightly flags (-Zsanitizer, sancov) are let through with
# RUSTC_BOOTSTRAP=1. Needs a C++ compiler for libFuzzer (g++ or clang). The corpus grows in
# fuzz/corpus/TARGET (not in git), starting from fuzz/seeds/TARGET; a crash is written to
# fuzz/artifacts/TARGET and makes the script exit 1 after the other targets have run.
set -euo pipefail
cd "$(dirname "$0")"

seconds=240
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --brief) seconds=20 ;;
    --seconds) seconds="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=(wareki name_keys person_match municipality_toml csv_import api_json)
fi

export RUSTC_BOOTSTRAP=1
# Its own target directory, whatever the workspace uses: the sanitizer flags differ.
export CARGO_TARGET_DIR="${KASANE_FUZZ_TARGET_DIR:-$PWD/target}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
if ! command -v c++ >/dev/null 2>&1; then
  echo "run.sh: libFuzzer needs a C++ compiler (apt-get install g++)" >&2
  exit 2
fi

cargo fuzz build

mkdir -p logs
failed=0
summary=()
total=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
  dict=()
  [ -f "dict/$t.dict" ] && dict=("-dict=dict/$t.dict")
  # -timeout: an input that takes seconds is a hang worth a regression test too.
  status=ok
  if ! cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="artifacts/$t/" "${dict[@]}" >"logs/$t.log" 2>&1; then
    status=FAILED
    failed=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "logs/$t.log" | tail -1)
  runs=${runs:-0}
  total=$((total + runs))
  summary+=("$(printf '%-18s %12s execs %6s s  %s' "$t" "$runs" "${took:-?}" "$status")")
  echo "${summary[-1]}"
  if [ "$status" != ok ]; then
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "logs/$t.log" | head -20 >&2 || true
  fi
done

echo
echo "fuzzing $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(rustc -V)"
printf '%s\n' "${summary[@]}"
echo "total: $total executions"
exit "$failed"
