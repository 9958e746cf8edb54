#!/usr/bin/env bash
# The README's walkthrough, run for real with nothing but curl (and python3 to
# read JSON): a fresh server, the users count story of issue 2, and the OAuth
# story of issue 5. Exits non-zero on the first surprise.
#
#   scripts/walkthrough.sh [DATABASE_URL]     (default: a fresh SQLite file)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ORGDIR_BIN:-${CARGO_TARGET_DIR:-target}/debug/orgdir}
[ -x "$BIN" ] || cargo build -q -p orgdir
WORK=$(mktemp -d)
DB=${1:-sqlite://$WORK/orgdir.db}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
KEY=orgdir-walkthrough-admin-key-0123456789
# --consent-picker: the consent page offers a user picker (loopback only)
# instead of an email and password, so curl can drive the OAuth flow.
ORGDIR_ADMIN_KEY=$KEY "$BIN" serve --database-url "$DB" --listen "127.0.0.1:$PORT" --consent-picker >"$WORK/out" 2>"$WORK/log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'echo "walkthrough failed at line $LINENO; server output:" >&2; cat "$WORK/out" "$WORK/log" >&2' ERR
for _ in $(seq 1 100); do grep -q "try:" "$WORK/out" 2>/dev/null && break; sleep 0.1; done

json() { python3 -c "import sys, json; d = json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1"; }
expect() { # expect LABEL WANT GOT
  if [ "$2" != "$3" ]; then echo "FAIL: $1: wanted $2, got $3" >&2; exit 1; fi
  echo "ok: $1 = $3"; passed=$((passed + 1))
}
passed=0

# The curl line the server printed works as printed.
CURL_LINE=$(grep "curl -s" "$WORK/out" | sed 's/^ *//')
expect "printed curl line" '{"count":1}' "$(eval "$CURL_LINE")"
TOKEN=$(grep "access token" "$WORK/out" | awk '{print $NF}')
AUTH="Authorization: Zoho-oauthtoken $TOKEN"

# Issue 2: ten users, a deactivation, a deletion.
ROLE=$(curl -s "$BASE/crm/v8/users" -H "$AUTH" | json 'd["users"][0]["role"]["id"]')
PROFILE=$(curl -s "$BASE/crm/v8/settings/profiles" -H "$AUTH" | json '[p["id"] for p in d["profiles"] if p["name"]=="Standard"][0]')
IDS=()
for i in $(seq 1 10); do
  IDS+=("$(curl -s -X POST "$BASE/crm/v7/users" -H "$AUTH" \
    -d "{\"users\":[{\"last_name\":\"User $i\",\"email\":\"user$i@example.com\",\"role\":\"$ROLE\",\"profile\":\"$PROFILE\"}]}" \
    | json 'd["users"][0]["details"]["id"]')")
done
count() { curl -s "$BASE/crm/v7/users/actions/count?type=$1" -H "$AUTH"; }
expect "ActiveUsers after ten" '{"count":11}' "$(count ActiveUsers)"
curl -s -X PUT "$BASE/crm/v7/users/${IDS[0]}" -H "$AUTH" -d '{"users":[{"status":"inactive"}]}' >/dev/null
expect "DeactiveUsers" '{"count":1}' "$(count DeactiveUsers)"
expect "ActiveUsers" '{"count":10}' "$(count ActiveUsers)"
curl -s -X DELETE "$BASE/crm/v7/users/${IDS[1]}" -H "$AUTH" >/dev/null
expect "AllUsers keeps the deleted" '{"count":11}' "$(count AllUsers)"
expect "DeletedUsers" '{"count":1}' "$(count DeletedUsers)"
# Issue 13: a group over everyone's role, its members by status (the deleted one is no member).
GROUP=$(curl -s -X POST "$BASE/crm/v8/settings/user_groups" -H "$AUTH" \
  -d "{\"user_groups\":[{\"name\":\"Everyone\",\"sources\":[{\"type\":\"roles\",\"source\":{\"id\":\"$ROLE\"},\"subordinates\":true}]}]}" \
  | json 'd["user_groups"][0]["details"]["id"]')
expect "the group's members by status" "active 9, inactive 1" \
  "$(curl -s "$BASE/crm/v8/settings/user_groups/$GROUP/associated_users/actions/grouped_counts?group_by=status" -H "$AUTH" \
    | json '", ".join("%s %d" % (r["status"], r["count"]) for r in d["grouped_counts"])')"
expect "no Authorization" "401 AUTHENTICATION_FAILURE" \
  "$(curl -s -o "$WORK/b" -w '%{http_code}' "$BASE/crm/v7/users/actions/count") $(json 'd["code"]' <"$WORK/b")"
expect "unknown path" "404 INVALID_URL_PATTERN" \
  "$(curl -s -o "$WORK/b" -w '%{http_code}' "$BASE/crm/v7/nope" -H "$AUTH") $(json 'd["code"]' <"$WORK/b")"
expect "POST on the count" "400 INVALID_REQUEST_METHOD" \
  "$(curl -s -o "$WORK/b" -w '%{http_code}' -X POST "$BASE/crm/v7/users/actions/count" -H "$AUTH") $(json 'd["code"]' <"$WORK/b")"
SETTINGS_ONLY=$("$BIN" token --database-url "$DB" --scopes ZohoCRM.settings.ALL)
expect "settings-only token on the users count" "401 OAUTH_SCOPE_MISMATCH" \
  "$(curl -s -o "$WORK/b" -w '%{http_code}' "$BASE/crm/v7/users/actions/count" -H "Authorization: Zoho-oauthtoken $SETTINGS_ONLY") $(json 'd["code"]' <"$WORK/b")"

# Issue 13: profiles — clone Standard, turn a permission off, delete the clone.
PROFILES="$BASE/crm/v8/settings/profiles"
STANDARD=$(curl -s "$PROFILES" -H "$AUTH" | json '[p["id"] for p in d["profiles"] if p["name"] == "Standard"][0]')
CLONE=$(curl -s -X POST "$PROFILES/$STANDARD/actions/clone" -H "$AUTH" -d '{"profiles":[{"name":"Walkthrough"}]}' | json 'd["profiles"][0]["details"]["id"]')
VIEW_LEADS=$(curl -s "$PROFILES/$CLONE" -H "$AUTH" | json '[p["id"] for p in d["profiles"][0]["permissions_details"] if p["name"] == "Crm_Implied_View_Leads"][0]')
curl -s -X PUT "$PROFILES/$CLONE" -H "$AUTH" -d "{\"profiles\":[{\"permissions_details\":[{\"id\":\"$VIEW_LEADS\",\"enabled\":false}]}]}" >/dev/null
expect "the clone no longer views Leads" "False" \
  "$(curl -s "$PROFILES/$CLONE" -H "$AUTH" | json '[p["enabled"] for p in d["profiles"][0]["permissions_details"] if p["name"] == "Crm_Implied_View_Leads"][0]')"
expect "delete it, users to Standard" "Profile deleted" \
  "$(curl -s -X DELETE "$PROFILES/$CLONE?transfer_to=$STANDARD" -H "$AUTH" | json 'd["message"]')"

# Issue 13: the org photo, uploaded as multipart and read back byte for byte.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x06\x00\x00\x00\x00\x00\x00\x00' >"$WORK/logo.png"
expect "upload the org photo" "SUCCESS" \
  "$(curl -s "$BASE/crm/v8/org/photo" -H "$AUTH" -F "file=@$WORK/logo.png" | json 'd["code"]')"
expect "download it" "200 image/png" "$(curl -s -o "$WORK/got.png" -w '%{http_code} %{content_type}' "$BASE/crm/v8/org/photo" -H "$AUTH")"
expect "the same bytes" "same" "$(cmp -s "$WORK/logo.png" "$WORK/got.png" && echo same)"
expect "delete it" "Photo deleted" "$(curl -s -X DELETE "$BASE/crm/v8/org/photo" -H "$AUTH" | json 'd["message"]')"

# Issue 13: users' unavailability — mark a user away, find them, move the period, remove it.
UA="$BASE/crm/v8/settings/users_unavailability"
PERIOD=$(curl -s -X POST "$UA" -H "$AUTH" -d "{\"users_unavailability\":[{\"user\":{\"id\":\"${IDS[2]}\"},\"from\":\"2021-02-18T19:00:00+05:30\",\"to\":\"2021-02-18T20:00:00+05:30\",\"comments\":\"Dentist\"}]}" \
  | json 'd["users_unavailability"][0]["details"]["id"]')
expect "who is away, in the org's zone" "User 3 2021-02-18T13:30:00+00:00" \
  "$(curl -s "$UA?role_ids=$ROLE&include_inner_details=user.zuid" -H "$AUTH" | json 'd["users_unavailability"][0]["user"]["name"] + " " + d["users_unavailability"][0]["from"]')"
curl -s -X PUT "$UA/$PERIOD" -H "$AUTH" -d '{"users_unavailability":[{"to":"2021-02-18T21:00:00+05:30"}]}' >/dev/null
expect "the period moved" "2021-02-18T15:30:00+00:00" "$(curl -s "$UA/$PERIOD" -H "$AUTH" | json 'd["users_unavailability"][0]["to"]')"
expect "ends before it starts" "INVALID_DATA \$.users_unavailability[0].to" \
  "$(curl -s -X POST "$UA" -H "$AUTH" -d '{"users_unavailability":[{"from":"2021-02-18T20:00:00Z","to":"2021-02-18T19:00:00Z"}]}' | json 'd["users_unavailability"][0]["code"] + " " + d["users_unavailability"][0]["details"]["json_path"]')"
expect "deleted" "Unavailability deleted Successfully" "$(curl -s -X DELETE "$UA/$PERIOD" -H "$AUTH" | json 'd["users_unavailability"][0]["message"]')"
expect "nobody away" 204 "$(curl -s -o /dev/null -w '%{http_code}' "$UA" -H "$AUTH")"

# Issue 13: transfer and delete — User 4 manages North and leads User 5; User 6 takes over, then User 4 is deleted.
ROOT_T=$(curl -s "$BASE/crm/v8/settings/territories" -H "$AUTH" | json 'd["territories"][0]["id"]')
NORTH=$(curl -s -X POST "$BASE/crm/v8/settings/territories" -H "$AUTH" \
  -d "{\"territories\":[{\"name\":\"North\",\"reporting_to\":\"$ROOT_T\",\"manager\":\"${IDS[3]}\"}]}" | json 'd["territories"][0]["details"]["id"]')
curl -s -X PUT "$BASE/crm/v8/users/${IDS[4]}" -H "$AUTH" -d "{\"users\":[{\"Reporting_To\":\"${IDS[3]}\"}]}" >/dev/null
TD="$BASE/crm/v8/users/${IDS[3]}/actions/transfer_and_delete"
expect "transfer or move_subordinate is required" "EXPECTED_FIELD_MISSING" \
  "$(curl -s -X POST "$TD" -H "$AUTH" -d '{"transfer_and_delete":[{}]}' | json 'd["transfer_and_delete"][0]["code"]')"
expect "not to a subordinate" "NOT_ALLOWED" \
  "$(curl -s -X POST "$TD" -H "$AUTH" -d "{\"transfer_and_delete\":[{\"transfer\":{\"id\":\"${IDS[4]}\"}}]}" | json 'd["transfer_and_delete"][0]["code"]')"
JOB=$(curl -s -X POST "$TD" -H "$AUTH" -d "{\"transfer_and_delete\":[{\"transfer\":{\"id\":\"${IDS[5]}\",\"records\":true}}]}" \
  | json 'd["transfer_and_delete"][0]["details"]["jobId"]')
expect "the job's status" '{"transfer_and_delete":[{"status":"completed"}]}' \
  "$(curl -s "$BASE/crm/v8/users/actions/transfer_and_delete?job_id=$JOB" -H "$AUTH")"
expect "North's manager" "User 6" "$(curl -s "$BASE/crm/v8/settings/territories/$NORTH" -H "$AUTH" | json 'd["territories"][0]["manager"]["name"]')"
expect "User 5 reports to User 6" "${IDS[5]}" "$(curl -s "$BASE/crm/v8/users/${IDS[4]}" -H "$AUTH" | json 'd["users"][0]["Reporting_To"]["id"]')"
expect "User 4" "deleted" "$(curl -s "$BASE/crm/v8/users/${IDS[3]}" -H "$AUTH" | json 'd["users"][0]["status"]')"
expect "DeletedUsers after the transfer" '{"count":2}' "$(count DeletedUsers)"

# Issue 5: a client, the consent page, a code, tokens, refresh, revoke.
ORG=$(curl -s "$BASE/_orgdir/orgs" -H "X-Orgdir-Admin-Key: $KEY" | json 'd["orgs"][0]["id"]')
expect "control plane without the key" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/_orgdir/orgs")"
CLIENT=$(curl -s -X POST "$BASE/_orgdir/orgs/$ORG/clients" -H "X-Orgdir-Admin-Key: $KEY" \
  -d '{"name":"Walkthrough","redirect_uris":["http://localhost:9/cb"]}')
CID=$(echo "$CLIENT" | json 'd["client_id"]'); SECRET=$(echo "$CLIENT" | json 'd["client_secret"]')
SCOPE="ZohoCRM.users.READ"
expect "consent page" 200 "$(curl -s -o "$WORK/page" -w '%{http_code}' -G "$BASE/oauth/v2/auth" \
  --data-urlencode "scope=$SCOPE" --data-urlencode "client_id=$CID" --data-urlencode response_type=code \
  --data-urlencode access_type=offline --data-urlencode "redirect_uri=http://localhost:9/cb" --data-urlencode state=s1)"
USER=$(python3 -c "import re,sys; print(re.search(r'option value=\"(\d+)\"', open(sys.argv[1]).read()).group(1))" "$WORK/page")
LOCATION=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST "$BASE/oauth/v2/auth" \
  --data-urlencode "client_id=$CID" --data-urlencode "redirect_uri=http://localhost:9/cb" \
  --data-urlencode "scope=$SCOPE" --data-urlencode state=s1 --data-urlencode "user=$USER" --data-urlencode action=approve)
CODE=$(python3 -c "import sys, urllib.parse as u; print(u.parse_qs(u.urlparse(sys.argv[1]).query)['code'][0])" "$LOCATION")
TOKENS=$(curl -s -X POST "$BASE/oauth/v2/token" -d grant_type=authorization_code -d "client_id=$CID" \
  -d "client_secret=$SECRET" -d "redirect_uri=http://localhost:9/cb" -d "code=$CODE")
ACCESS=$(echo "$TOKENS" | json 'd["access_token"]'); REFRESH=$(echo "$TOKENS" | json 'd["refresh_token"]')
expect "users count with the OAuth token" '{"count":11}' \
  "$(curl -s "$BASE/crm/v7/users/actions/count" -H "Authorization: Zoho-oauthtoken $ACCESS")"
expect "second exchange of the same code" '{"error":"invalid_code"}' "$(curl -s -X POST "$BASE/oauth/v2/token" \
  -d grant_type=authorization_code -d "client_id=$CID" -d "client_secret=$SECRET" -d "redirect_uri=http://localhost:9/cb" -d "code=$CODE")"
NEW_ACCESS=$(curl -s -X POST "$BASE/oauth/v2/token" -d grant_type=refresh_token -d "client_id=$CID" \
  -d "client_secret=$SECRET" -d "refresh_token=$REFRESH" | json 'd["access_token"]')
expect "refreshed token works" '{"count":11}' \
  "$(curl -s "$BASE/crm/v7/users/actions/count" -H "Authorization: Zoho-oauthtoken $NEW_ACCESS")"
expect "revoke" '{"status":"success"}' "$(curl -s -X POST "$BASE/oauth/v2/token/revoke?token=$REFRESH")"
expect "old access token after revoke" "INVALID_TOKEN" \
  "$(curl -s "$BASE/crm/v7/users/actions/count" -H "Authorization: Zoho-oauthtoken $ACCESS" | json 'd["code"]')"

# The five seeds: fixtures loaded with `orgdir import`, answers compared with the seeds' samples.
FIX=crates/orgdir-testkit/fixtures
same() { python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.loads(sys.argv[2]); print('equal' if a==b else 'DIFFERENT: '+json.dumps(b))" "$1" "$2"; }
for fixture in seed-003 seed-004 user-groups; do "$BIN" import --database-url "$DB" "$FIX/$fixture/org.json" >/dev/null; done
seed_token() { "$BIN" token --database-url "$DB" --org "$1" --scopes ZohoCRM.users.READ,ZohoCRM.settings.ALL,ZohoCRM.features.READ; }
T431=$(seed_token 431581); T365=$(seed_token 3652397)
expect "seed 003 via orgdir import" equal "$(same $FIX/seed-003/expected.json "$(curl -s "$BASE/crm/v7/settings/territories/actions/associated_users_count" -H "Authorization: Zoho-oauthtoken $T431")")"
expect "seed 000 via orgdir import" equal "$(same $FIX/seed-000/expected.json "$(curl -s "$BASE/crm/v7/settings/user_groups/3652397000009952001/actions/sources_count" -H "Authorization: Zoho-oauthtoken $T365")")"
expect "seed 001 via orgdir import" equal "$(same $FIX/seed-001/expected.json "$(curl -s "$BASE/crm/v7/settings/user_groups/actions/associated_users_count?filters=$(cat $FIX/seed-001/filters.txt)" -H "Authorization: Zoho-oauthtoken $T365")")"
groups_of() { curl -s "$BASE/crm/v8/users/$1/actions/associated_groups" -H "Authorization: Zoho-oauthtoken $T365"; }
expect "amy's groups (named, and nested)" "Support Tier1 Tier3" \
  "$(groups_of 3652397000009950101 | json '" ".join(g["name"] for g in d["user_groups"])')"
expect "a deleted user's groups" 204 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/crm/v8/users/3652397000009950105/actions/associated_groups" -H "Authorization: Zoho-oauthtoken $T365")"
# Issue 13: amy's groups asked in a body (get_assigned / get_unassigned), then a group deleted as a job.
UG="$BASE/crm/v8/settings/user_groups"; A365="Authorization: Zoho-oauthtoken $T365"
about_amy='{"feature":"user_groups","related_entity_id":"3652397000009950101"}'
expect "amy's assigned groups" "Support Tier1 Tier3" \
  "$(curl -s -X POST "$UG/actions/get_assigned" -H "$A365" -d "{\"get_assigned\":$about_amy}" | json '" ".join(g["name"] for g in d["user_groups"])')"
expect "amy is in every group" 204 \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$UG/actions/get_unassigned" -H "$A365" -d "{\"get_unassigned\":$about_amy}")"
expect "no related_entity_id" "MANDATORY_NOT_FOUND \$.get_assigned.related_entity_id" \
  "$(curl -s -X POST "$UG/actions/get_assigned" -H "$A365" -d '{"get_assigned":{"feature":"user_groups"}}' | json 'd["get_assigned"]["code"] + " " + d["get_assigned"]["details"]["json_path"]')"
expect "deletion scheduled from now on" '{"user_group_deletion":"scheduled"}' \
  "$(curl -s -X PUT "$BASE/_orgdir/orgs/3652397/behaviour" -H "X-Orgdir-Admin-Key: $KEY" -d '{"user_group_deletion":"scheduled"}')"
BRIEF=$(curl -s -X POST "$UG" -H "$A365" -d '{"user_groups":[{"name":"Brief","sources":[{"type":"users","source":"3652397000009950101"}]}]}' | json 'd["user_groups"][0]["details"]["id"]')
GJOB=$(curl -s -X DELETE "$UG/$BRIEF" -H "$A365" | json 'd["user_groups"][0]["code"] + " " + d["user_groups"][0]["details"]["job_id"]')
expect "the group's deletion" SCHEDULED "${GJOB%% *}"
expect "the deletion job" '{"deletion_jobs":[{"Status":"COMPLETED"}]}' "$(curl -s "$UG/actions/deletion_jobs?job_id=${GJOB##* }" -H "$A365")"
expect "the group is gone" "INVALID_DATA" "$(curl -s "$UG/$BRIEF" -H "$A365" | json 'd["code"]')"
expect "users modified after 09:02:30" "3652397000009950103 3652397000009950104 3652397000009950105" \
  "$(curl -s "$BASE/crm/v8/users?type=AllUsers" -H "Authorization: Zoho-oauthtoken $T365" -H "If-Modified-Since: 2024-07-02T09:02:30+05:30" | json '" ".join(u["id"] for u in d["users"])')"
expect "nothing modified since" 304 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/crm/v8/users/3652397000009950101" -H "Authorization: Zoho-oauthtoken $T365" -H "If-Modified-Since: 2024-07-02T09:01:00+05:30")"
SEED4=$(python3 -c "import json; print(json.load(open('$FIX/seed-004/org.json'))['org']['id'])")
T4=$(seed_token "$SEED4")
expect "seed 004 via orgdir import" equal "$(same $FIX/seed-004/expected.json "$(curl -s "$BASE/crm/v8/__features/user_licenses" -H "Authorization: Zoho-oauthtoken $T4")")"

# Issue 13: seed 003's territories filtered, then Chennai deleted with its children moved to Parent.
TER="$BASE/crm/v8/settings/territories"; A431="Authorization: Zoho-oauthtoken $T431"
names() { json '" ".join(t["name"] for t in d["territories"])'; }
expect "territories whose name starts with chennai" "Chennai Chennai-South Chennai North Chennai Leads" \
  "$(curl -s -G "$TER" -H "$A431" --data-urlencode 'filters={"field":{"api_name":"name"},"comparator":"starts_with","value":"chennai"}' | names)"
expect "transfer and delete Chennai" SUCCESS "$(curl -s -X POST "$TER/431581000000744113/actions/transfer_and_delete" -H "$A431" \
  -d '{"territories":[{"transfer_to_id":"431581000000744159","delete_previous_forecasts":false}]}' | json 'd["territories"][0]["code"]')"
expect "Parent's children now" "Chennai-South Chennai North Child Chennai Leads" "$(curl -s "$TER/431581000000744159/__child_territories" -H "$A431" | names)"
expect "the deleted territory is remembered" "Chennai" "$(curl -s "$TER/actions/deleted_associated_territories" -H "$A431" | names)"

# Issue 14, the README's unhappy paths: three credits a day on the demo org, the
# fourth call refused as Zoho refuses it, served again a day later on the org's clock.
DEMO=$(grep -o "created the demo org [0-9]*" "$WORK/out" | awk '{print $NF}')
ADM="X-Orgdir-Admin-Key: $KEY"
expect "three credits a day" 3 \
  "$(curl -s -X PUT "$BASE/_orgdir/orgs/$DEMO/limits" -H "$ADM" -d '{"credits_per_day":3}' | json 'd["credits_remaining"]')"
for _ in 1 2 3; do curl -s -o /dev/null "$BASE/crm/v8/users/actions/count" -H "$AUTH"; done
expect "the fourth call" "429 TOO_MANY_REQUESTS 0" \
  "$(curl -s -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' "$BASE/crm/v8/users/actions/count" -H "$AUTH") $(json 'd["code"]' <"$WORK/b") $(grep -i '^x-api-credits-remaining:' "$WORK/h" | tr -d '\r' | awk '{print $2}')"
expect "the org's clock a day later" 86400 \
  "$(curl -s -X POST "$BASE/_orgdir/orgs/$DEMO/clock" -H "$ADM" -d '{"advance_seconds":86400}' | json 'd["offset_seconds"]')"
expect "served again" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/crm/v8/users/actions/count" -H "$AUTH")"
expect "the journal's refused call" TOO_MANY_REQUESTS \
  "$(curl -s "$BASE/_orgdir/orgs/$DEMO/requests?status=429" -H "$ADM" | json 'd["requests"][0]["code"]')"

echo "walkthrough on ${DB%%://*}: $passed passed, 0 failed"
