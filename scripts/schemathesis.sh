#!/usr/bin/env bash
# schemathesis (PyPI) against the served OpenAPI document: `kasane demo` on a fresh SQLite
# database, then as a window's staff and as a coordinator, each for SECONDS (default 60):
# no 5xx, no undocumented status, no response outside its schema. Exits non-zero on any.
#   bash scripts/schemathesis.sh [SECONDS]
# KASANE_BIN: the binary (default $CARGO_TARGET_DIR/debug/kasane, built by the README test
# command).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
kasane=${KASANE_BIN:-${CARGO_TARGET_DIR:-target}/debug/kasane}
venv=$PWD/target/schemathesis-venv
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis>=4,<5'
fi
[ -x "$kasane" ] || cargo build -p kasane

dir=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
export KASANE_AUDIT_KEY_FILE="$dir/audit.key"
export KASANE_LOG=warn
db="sqlite://$dir/demo.db"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$kasane" demo --database "$db" --bind "127.0.0.1:$port" > "$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
    "$base/healthz" > /dev/null 2>&1 && break
  sleep 0.2
done

status=0
for user in daisen.houkatsu daisen.coordinator; do
  token=$("$kasane" user token "$user" --name schemathesis --database "$db" | grep '^ksn_')
  echo "== schemathesis as $user ($seconds s)"
  # From the scratch directory: schemathesis keeps its cache in the working directory.
  if ! (cd "$dir" && "$venv/bin/st" run "$base/api/openapi.json" \
      -H "Authorization: Bearer $token" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --max-time "$seconds" --max-examples 10 --workers 2 --seed 1 \
      > "$dir/$user.log" 2>&1); then
    status=1
    cat "$dir/$user.log"
  fi
  grep -E "Selected:|Tested:|generated|failures|passed in" "$dir/$user.log" || true
done
exit $status
