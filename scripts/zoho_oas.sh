#!/usr/bin/env bash
# The oracle run: schemathesis generates requests from *Zoho's* v8 OpenAPI
# files (../shared/zoho-oas/v8.0, bundled by scripts/zoho_oas_bundle.py with
# the corrections and skips of conformance/zoho-oas/exclusions.toml) and
# checks every orgdir answer against Zoho's response schemas. Fails on any
# 5xx, any answer Zoho's schema does not allow, or a crash.
#
#   scripts/zoho_oas.sh [MAX_EXAMPLES]      (default 10 cases per operation)
#   ZOHO_OAS_HAR=FILE keeps every request and answer as a HAR file.
#   ZOHO_OAS_DIR=DIR  Zoho's files elsewhere than ../shared/zoho-oas/v8.0.
#
# The org is seeded (300 users, 12 roles, 30 territories, 20 groups) and the
# token carries every scope. Schemathesis runs its coverage, fuzzing and
# stateful phases; the checks are not_a_server_error and
# response_schema_conformance (status codes Zoho's files do not list are not
# failures: the files list a few sample errors per operation).
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-10}
OAS_DIR=${ZOHO_OAS_DIR:-../shared/zoho-oas/v8.0}
BIN=${ORGDIR_BIN:-${CARGO_TARGET_DIR:-target}/debug/orgdir}
[ -x "$BIN" ] || cargo build -q -p orgdir
VENV=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r conformance/schemathesis/requirements.txt
fi
WORK=$(mktemp -d)
EXCLUSIONS=conformance/zoho-oas/exclusions.toml
python3 scripts/zoho_oas_bundle.py "$OAS_DIR" "$EXCLUSIONS" "$WORK/zoho.json"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
# A small seeded org, so lists, nesting and counts have something to show.
DB="sqlite://$WORK/orgdir.db"
"$BIN" seed --database-url "$DB" --users 300 --roles 12 --territories 30 --groups 20 --quiet >/dev/null
TOKEN=$("$BIN" token --database-url "$DB" --expires-in 0 --scopes ZohoCRM.users.ALL,ZohoCRM.settings.ALL,ZohoCRM.features.ALL,ZohoCRM.org.ALL)
ADMIN_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
ORGDIR_ADMIN_KEY="$ADMIN_KEY" ORGDIR_LOG=warn "$BIN" serve --database-url "$DB" --listen "127.0.0.1:$PORT" >"$WORK/out" 2>"$WORK/log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -s "$BASE/" >/dev/null 2>&1 && break; sleep 0.1; done

# A period of unavailability, so that its reads answer 200 and are checked
# against Zoho's schema (the seeded org has none).
curl -s -o /dev/null -X POST "$BASE/crm/v8/settings/users_unavailability" -H "Authorization: Zoho-oauthtoken $TOKEN" \
  -d '{"users_unavailability":[{"from":"2021-02-18T19:00:00+05:30","to":"2021-02-18T20:00:00+05:30","comments":"Away"}]}'
# A territory deleted with its previous forecasts kept, so that
# deleted_associated_territories answers 200 and is checked too.
ROOT_TERRITORY=$(curl -s "$BASE/crm/v8/settings/territories?per_page=1" -H "Authorization: Zoho-oauthtoken $TOKEN" \
  | python3 -c 'import sys, json; print(json.load(sys.stdin)["territories"][0]["id"])')
GONE=$(curl -s -X POST "$BASE/crm/v8/settings/territories" -H "Authorization: Zoho-oauthtoken $TOKEN" \
  -d "{\"territories\":[{\"name\":\"Oracle Gone\",\"reporting_to\":\"$ROOT_TERRITORY\"}]}" \
  | python3 -c 'import sys, json; print(json.load(sys.stdin)["territories"][0]["details"]["id"])')
curl -s -o /dev/null -X DELETE "$BASE/crm/v8/settings/territories/$GONE?delete_previous_forecasts=false" -H "Authorization: Zoho-oauthtoken $TOKEN"
status=0
# Whole objects, read from the seeded org before schemathesis changes it:
# every property of Zoho's schema (scripts/zoho_oas_properties.py).
python3 scripts/zoho_oas_properties.py "$WORK/zoho.json" "$EXCLUSIONS" "$BASE" "$TOKEN" || status=1
# An accepted transfer-and-delete job, which schemathesis cannot make, checked
# against Zoho's schemas (scripts/zoho_oas_transfer.py).
"$VENV/bin/python" scripts/zoho_oas_transfer.py "$WORK/zoho.json" "$BASE" "$TOKEN" || status=1
# A group deleted as a job (the org's scheduled behaviour, set through the
# control plane and set back), its status, and a user's assigned and
# unassigned groups (scripts/zoho_oas_group_ops.py).
"$VENV/bin/python" scripts/zoho_oas_group_ops.py "$WORK/zoho.json" "$BASE" "$TOKEN" "$ADMIN_KEY" || status=1
"$VENV/bin/schemathesis" run "$WORK/zoho.json" --url "$BASE" \
  -H "Authorization: Zoho-oauthtoken $TOKEN" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "$EXAMPLES" --seed 20261202 --workers 1 \
  ${ZOHO_OAS_HAR:+--report har --report-har-path "$ZOHO_OAS_HAR"} | tee "$WORK/run.log" || status=${PIPESTATUS[0]}
if grep -q "panicked" "$WORK/log"; then echo "the server panicked:"; grep -A5 panicked "$WORK/log"; status=1; fi
if ! kill -0 $SERVER 2>/dev/null; then echo "the server crashed"; status=1; fi
exit $status
