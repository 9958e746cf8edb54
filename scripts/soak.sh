#!/usr/bin/env bash
# Soak (issue 16): mixed read/write load at saturation for SECONDS against
# one `orgdir serve`, with its resident memory sampled every second from
# /proc. Fails if any answer is not a 2xx (or wrk saw a socket error or a
# timeout), if the final RSS is above 1.10 × the highest RSS of the first
# half after warm-up (warm-up: the first max(10 s, SECONDS/10)), or if
# `orgdir check` finds a difference. The allocator fills its arenas in
# steps during the first half; a leak keeps growing through the second.
#
#   scripts/soak.sh [SECONDS] [DATABASE_URL]    (default: 60 s, a fresh SQLite file)
#
# A PostgreSQL DATABASE_URL must name an existing, empty database.
# ORGDIR_BIN   the binary (default ${CARGO_TARGET_DIR:-target}/release/orgdir
#              if built, else …/debug/orgdir)
# SOAK_OUT     where rss.tsv, wrk.txt and the server log go (default: a
#              temporary directory, removed unless the run fails)
# SOAK_PNG     if set, the RSS curve is drawn there (gnuplot)
# SOAK_USERS   users seeded before the load (default 2000)
# SOAK_CONNECTIONS, SOAK_THREADS   wrk's -c and -t (default 32, 2)
#
# The last line is `soak: ok …` or `soak: FAILED …`.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${1:-60}
TARGET=${CARGO_TARGET_DIR:-target}
if [ -n "${ORGDIR_BIN:-}" ]; then
  BIN=$ORGDIR_BIN
elif [ -x "$TARGET/release/orgdir" ]; then
  BIN=$TARGET/release/orgdir
else
  BIN=$TARGET/debug/orgdir
fi
[ -x "$BIN" ] || { echo "soak: no orgdir binary at $BIN (cargo build -p orgdir, or set ORGDIR_BIN)" >&2; exit 2; }
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [ -n "${SOAK_PNG:-}" ] && ! command -v gnuplot >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null
fi
WORK=$(mktemp -d)
OUT=${SOAK_OUT:-$WORK/out}
mkdir -p "$OUT"
DB=${2:-sqlite://$WORK/orgdir.db}
USERS=${SOAK_USERS:-2000}
WARMUP=$(( SECONDS_TOTAL / 10 > 10 ? SECONDS_TOTAL / 10 : 10 ))
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
KEY=orgdir-soak-admin-key-0123456789abcdef
SERVER=
SAMPLER=
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "soak: FAILED $*" >&2
  [ -z "${SOAK_OUT:-}" ] && { mkdir -p "$TARGET/soak-failed"; cp -r "$OUT"/. "$TARGET/soak-failed/"; echo "(kept in $TARGET/soak-failed)" >&2; }
  exit 1
}

echo "soak: $SECONDS_TOTAL s on $(echo "$DB" | sed 's#://.*@#://…@#') with $BIN; seeding $USERS users"
"$BIN" seed --database-url "$DB" --seed 16 --users "$USERS" --roles 20 --territories 50 --groups 50 --quiet >/dev/null
TOKEN=$("$BIN" token --database-url "$DB" --scopes ZohoCRM.users.ALL,ZohoCRM.settings.ALL,ZohoCRM.org.ALL --expires-in 0)
ORGDIR_ADMIN_KEY=$KEY ORGDIR_LOG=warn "$BIN" serve --database-url "$DB" --listen "127.0.0.1:$PORT" \
  >"$OUT/server.out" 2>"$OUT/server.log" &
SERVER=$!
for _ in $(seq 1 300); do curl -sf "$BASE/_orgdir/ping" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$BASE/_orgdir/ping" >/dev/null || fail "the server did not start: $(tail -5 "$OUT/server.log")"
# The pool of requests: active users to read and rename, roles to describe.
python3 - "$BASE" "$TOKEN" "$WORK/pool.lua" <<'EOF'
import json, sys, urllib.request
base, token, out = sys.argv[1:]
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Zoho-oauthtoken " + token})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
users = []
for page in range(1, 6):
    got = get("/crm/v8/users?type=ActiveUsers&per_page=200&page=%d" % page)
    users += [u["id"] for u in got["users"]]
    if not got["info"]["more_records"]:
        break
roles = [r["id"] for r in get("/crm/v8/settings/roles")["roles"] if r.get("reporting_to")]
with open(out, "w") as f:
    f.write("token = %s\n" % json.dumps(token))
    f.write("users = {%s}\n" % ",".join(json.dumps(u) for u in users))
    f.write("roles = {%s}\n" % ",".join(json.dumps(r) for r in roles))
print("soak: %d active users, %d roles in the pool" % (len(users), len(roles)))
EOF
ORG=$(curl -s "$BASE/_orgdir/orgs" -H "X-Orgdir-Admin-Key: $KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["orgs"][0]["id"])')
# No emulated API limits: the load is meant to saturate the server.
curl -sf -X DELETE "$BASE/_orgdir/orgs/$ORG/limits" -H "X-Orgdir-Admin-Key: $KEY" >/dev/null

cat "$WORK/pool.lua" - >"$WORK/soak.lua" <<'EOF'
-- 80 % reads (counts, a user, a page of users, territory counts), 20 %
-- writes (a user's last name, a role's description): the directory keeps
-- its size, so memory should not grow either.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
ok, bad = 0, {}
local n = 0
local h = {}
function init(args)
  h = {["Authorization"] = "Zoho-oauthtoken " .. token, ["Content-Type"] = "application/json"}
  math.randomseed(tid * 7919)
end
function request()
  n = n + 1
  local r = math.random(100)
  if r <= 20 then
    return wrk.format("GET", "/crm/v8/users/actions/count?type=ActiveUsers", h)
  elseif r <= 45 then
    return wrk.format("GET", "/crm/v8/users/" .. users[math.random(#users)], h)
  elseif r <= 60 then
    return wrk.format("GET", "/crm/v8/users?per_page=20&page=" .. math.random(5), h)
  elseif r <= 70 then
    return wrk.format("GET", "/crm/v8/settings/territories/actions/associated_users_count", h)
  elseif r <= 80 then
    return wrk.format("GET", "/crm/v8/settings/roles/" .. roles[math.random(#roles)], h)
  elseif r <= 95 then
    local body = string.format('{"users":[{"last_name":"Soak %d-%d"}]}', tid, n)
    return wrk.format("PUT", "/crm/v8/users/" .. users[math.random(#users)], h, body)
  else
    local body = string.format('{"roles":[{"description":"soak %d-%d"}]}', tid, n)
    return wrk.format("PUT", "/crm/v8/settings/roles/" .. roles[math.random(#roles)], h, body)
  end
end
function response(status, _, body)
  if status < 300 then
    ok = ok + 1
  else
    local key = status .. " " .. (string.match(body or "", '"code"%s*:%s*"([%w_]+)"') or "")
    bad[key] = (bad[key] or 0) + 1
  end
end
function done(summary, latency, _)
  local all_ok, all_bad = 0, {}
  for _, thread in ipairs(threads) do
    all_ok = all_ok + thread:get("ok")
    for key, c in pairs(thread:get("bad")) do all_bad[key] = (all_bad[key] or 0) + c end
  end
  local parts = {}
  for key, c in pairs(all_bad) do parts[#parts + 1] = string.format('"%s":%d', key, c) end
  local e = summary.errors
  io.write(string.format(
    'soak-wrk {"requests":%d,"duration_us":%d,"ok":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"bad":{%s}}\n',
    summary.requests, summary.duration, all_ok, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status, table.concat(parts, ",")))
end
EOF

START=$(date +%s%N)
(
  while kill -0 "$SERVER" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(( ($(date +%s%N) - START) / 1000000 )) $rss"
    sleep 1
  done
) >"$OUT/rss.tsv" &
SAMPLER=$!
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
wrk -t "${SOAK_THREADS:-2}" -c "${SOAK_CONNECTIONS:-32}" -d "${SECONDS_TOTAL}s" --timeout 10s \
  -s "$WORK/soak.lua" "$BASE" >"$OUT/wrk.txt" 2>&1 || fail "wrk: $(tail -5 "$OUT/wrk.txt")"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 1.5
kill "$SAMPLER" 2>/dev/null || true
SAMPLER=
kill -0 "$SERVER" 2>/dev/null || fail "the server died: $(tail -5 "$OUT/server.log")"
CHECK=$("$BIN" check --database-url "$DB" 2>&1) || fail "orgdir check: $CHECK"

if [ -n "${SOAK_PNG:-}" ]; then
  gnuplot <<EOF
set terminal pngcairo size 900,450 font ",10"
set output "$SOAK_PNG"
set title "orgdir soak: $(basename "${SOAK_PNG%.png}"), ${SECONDS_TOTAL} s of mixed load (wrk ${SOAK_THREADS:-2}×${SOAK_CONNECTIONS:-32})"
set xlabel "seconds"
set ylabel "resident memory (MiB)"
set yrange [0:*]
set grid
set key bottom right
set arrow from $WARMUP, graph 0 to $WARMUP, graph 1 nohead dashtype 2
plot "$OUT/rss.tsv" using (\$1/1000):(\$2/1024) with lines linewidth 2 title "VmRSS (warm-up ends at the dashed line)"
EOF
fi

python3 - "$OUT/wrk.txt" "$OUT/rss.tsv" "$WARMUP" "$SECONDS_TOTAL" "$LOAD_BEFORE" "$LOAD_AFTER" "$CHECK" <<'EOF'
import json, sys
wrk_txt, rss_tsv, warmup, total, load_before, load_after, check = sys.argv[1:]
warmup = int(warmup)
line = [l for l in open(wrk_txt) if l.startswith("soak-wrk ")]
if not line:
    print("soak: FAILED no figures from wrk:", open(wrk_txt).read()[-500:])
    sys.exit(1)
w = json.loads(line[0][len("soak-wrk "):])
samples = [tuple(int(x) for x in l.split()) for l in open(rss_tsv) if l.strip()]
after = [kib for ms, kib in samples if ms >= warmup * 1000]
half = int(total) * 1000 / 2
first_half = [kib for ms, kib in samples if warmup * 1000 <= ms <= max(half, warmup * 1000)]
if len(after) < 2 or not first_half:
    print("soak: FAILED too few RSS samples after warm-up (%d)" % len(after))
    sys.exit(1)
warm, final, peak = max(first_half), after[-1], max(after)
rps = w["requests"] / (w["duration_us"] / 1e6)
socket = w["connect"] + w["read"] + w["write"] + w["timeout"]
unexpected = sum(w["bad"].values()) + socket
ratio = final / warm
print("soak: %d requests in %.0f s = %.0f req/s, p50 %.1f ms, p99 %.1f ms; unexpected errors %d %s (socket %d)"
      % (w["requests"], w["duration_us"] / 1e6, rps, w["p50_us"] / 1000, w["p99_us"] / 1000, unexpected,
         json.dumps(w["bad"]), socket))
print("soak: RSS at most %.1f MiB from %d s to half-way, %.1f MiB at the end (x%.3f), peak %.1f MiB; first sample %.1f MiB"
      % (warm / 1024, warmup, final / 1024, ratio, peak / 1024, samples[0][1] / 1024))
print("soak: load average %s before, %s after; %s" % (load_before, load_after, check.replace("\n", "; ")))
problems = []
if unexpected:
    problems.append("%d unexpected errors" % unexpected)
if ratio > 1.10:
    problems.append("RSS grew x%.3f in the second half (limit 1.10)" % ratio)
if w["ok"] == 0:
    problems.append("no successful answer")
if problems:
    print("soak: FAILED " + "; ".join(problems))
    sys.exit(1)
print("soak: ok %.0f req/s, 0 unexpected errors, RSS %.1f -> %.1f MiB (x%.3f)" % (rps, warm / 1024, final / 1024, ratio))
EOF
