#!/usr/bin/env bash
# Property-based API testing: schemathesis (PyPI, pinned) generates requests
# from orgdir's own OpenAPI document and checks every response against it.
# Fails on any 5xx, any response that does not match the document, or a crash.
#
#   scripts/schemathesis.sh [MAX_EXAMPLES]      (default 25 cases per operation)
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-25}
BIN=${ORGDIR_BIN:-${CARGO_TARGET_DIR:-target}/debug/orgdir}
[ -x "$BIN" ] || cargo build -q -p orgdir
VENV=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r conformance/schemathesis/requirements.txt
fi
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
KEY=orgdir-schemathesis-admin-key-0123456789
ORGDIR_ADMIN_KEY=$KEY ORGDIR_LOG=warn "$BIN" serve --database-url "sqlite://$WORK/orgdir.db" --listen "127.0.0.1:$PORT" >"$WORK/out" 2>"$WORK/log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q "access token" "$WORK/out" 2>/dev/null && break; sleep 0.1; done
TOKEN=$(grep "access token" "$WORK/out" | awk '{print $NF}')
curl -sf "$BASE/_orgdir/openapi.json" -H "X-Orgdir-Admin-Key: $KEY" -o "$WORK/openapi.json"

status=0
"$VENV/bin/schemathesis" run "$WORK/openapi.json" --url "$BASE" \
  -H "Authorization: Zoho-oauthtoken $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$EXAMPLES" --seed 20261123 --workers 1 | tee "$WORK/run.log" || status=${PIPESTATUS[0]}
if grep -q "panicked" "$WORK/log"; then echo "the server panicked:"; grep -A5 panicked "$WORK/log"; status=1; fi
if ! kill -0 $SERVER 2>/dev/null; then echo "the server crashed"; status=1; fi
python3 - "$WORK/run.log" "$EXAMPLES" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
tested = re.search(r"Tested: (\d+)", text)
cases = re.search(r"(\d+) generated, (?:(\d+) passed)?", text)
failed = re.search(r"(\d+) found (\d+) unique failure", text)
ops = int(tested.group(1)) if tested else 0
total = int(cases.group(1)) if cases else 0
bad = int(failed.group(2)) if failed else 0
print(f"schemathesis: {ops} operations, {total} cases (≈{total // max(ops, 1)} per operation, at most {sys.argv[2]} generated per phase)")
print(f"schemathesis: {total - bad} passed, {bad} failed")
PY
exit $status
