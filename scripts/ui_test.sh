#!/usr/bin/env bash
# The dashboard's browser test (issue 15): starts orgdir on a fresh SQLite
# file and runs ui-tests/dashboard.mjs in Debian's headless Chromium through
# playwright-core, with axe-core on every page. Installs what it needs when
# absent: Chromium and Node from Debian, the two npm packages into
# ui-tests/node_modules (pinned by ui-tests/package-lock.json). Screenshots
# go to docs/screenshots/ (SHOTS to put them elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ORGDIR_BIN:-${CARGO_TARGET_DIR:-target}/debug/orgdir}
[ -x "$BIN" ] || cargo build -q -p orgdir
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -d ui-tests/node_modules/playwright-core ] || [ ! -d ui-tests/node_modules/axe-core ]; then
  (cd ui-tests && npm ci --no-audit --no-fund --silent)
fi
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
ORGDIR_ADMIN_KEY=$KEY "$BIN" serve --database-url "sqlite://$WORK/orgdir.db" --listen "127.0.0.1:$PORT" >"$WORK/out" 2>"$WORK/log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q "try:" "$WORK/out" 2>/dev/null && break; sleep 0.1; done
SHOTS=${SHOTS:-docs/screenshots}
mkdir -p "$SHOTS"
BASE="http://127.0.0.1:$PORT" ADMIN_KEY=$KEY SHOTS=$(cd "$SHOTS" && pwd) \
  FIXTURE=crates/orgdir-testkit/fixtures/user-groups/org.json \
  node ui-tests/dashboard.mjs || { echo "browser test failed; server log:" >&2; tail -n 30 "$WORK/log" >&2; exit 1; }
