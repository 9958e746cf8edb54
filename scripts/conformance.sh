#!/usr/bin/env bash
# Zoho's official Python SDK for API v8 (zohocrmsdk8-0, pinned in
# conformance/python/requirements.txt), unmodified, against the built orgdir
# binary: two passes (minted access tokens, then the SDK's own OAuth refresh).
# Needs only Python 3 with pip and the binary; it builds nothing.
#
#   scripts/conformance.sh [run_suite.py options]   e.g. --pass oauth, -k licences, -v, --keep
#
# ORGDIR_BIN       the binary (default ${CARGO_TARGET_DIR:-target}/debug/orgdir)
# CONFORMANCE_ENV  where the SDK is installed (default ${CARGO_TARGET_DIR:-target}/conformance-venv)
# PYTHON           the interpreter (default python3.11, else python3)
#
# The last line is `sdk-conformance: N passed, M failed`; the exit status is
# the suite's (1 when an assertion failed, 2 when it could not run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TARGET=${CARGO_TARGET_DIR:-target}
case "$TARGET" in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
BIN=${ORGDIR_BIN:-$TARGET/debug/orgdir}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
if [ ! -x "$BIN" ]; then
  echo "conformance: no orgdir binary at $BIN (cargo build -p orgdir, or set ORGDIR_BIN)" >&2
  exit 2
fi

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PY=$candidate; break; fi
  done
fi
[ -n "$PY" ] || { echo "conformance: no python3 found" >&2; exit 2; }

ENVDIR=${CONFORMANCE_ENV:-$TARGET/conformance-venv}
REQ=$ROOT/conformance/python/requirements.txt
STAMP=$ENVDIR/.requirements

# A venv when the interpreter can make one (Debian needs python3-venv for
# that); otherwise `pip install --target` into the same directory.
if [ ! -f "$STAMP" ] || ! cmp -s "$REQ" "$STAMP"; then
  rm -rf "$ENVDIR"
  mkdir -p "$(dirname "$ENVDIR")"
  if "$PY" -m venv "$ENVDIR" >/dev/null 2>&1 && [ -x "$ENVDIR/bin/python" ]; then
    "$ENVDIR/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" ||
      { echo "conformance: pip install failed" >&2; exit 2; }
  else
    rm -rf "$ENVDIR"
    mkdir -p "$ENVDIR"
    "$PY" -m pip install --quiet --disable-pip-version-check --target "$ENVDIR/site" -r "$REQ" ||
      { echo "conformance: pip install failed" >&2; exit 2; }
  fi
  cp "$REQ" "$STAMP"
fi

if [ -x "$ENVDIR/bin/python" ]; then
  RUN=("$ENVDIR/bin/python")
else
  export PYTHONPATH="$ENVDIR/site${PYTHONPATH:+:$PYTHONPATH}"
  RUN=("$PY")
fi
export ORGDIR_BIN=$BIN
exec "${RUN[@]}" "$ROOT/conformance/python/run_suite.py" --bin "$BIN" "$@"
