#!/usr/bin/env bash
# The pytest-orgdir wheel (python/) as a user gets it: built with maturin,
# installed into a fresh virtual environment, and examples/pytest run with
# `pytest -n 2` under a PATH with no cargo, against the orgdir the wheel
# installed. Needs Rust (to build) and Python 3 with pip; installs the rest.
#
#   scripts/pytest_wheel.sh [pytest options]          e.g. -k clock, -v
#
# PYTEST_WHEEL_PROFILE  cargo profile of the binary: dev (default) or release.
#                       dev reuses the `cargo build -p orgdir` that .ci/run
#                       makes just before (maturin passes cargo the same flags,
#                       so nothing is compiled); release is the wheel to hand
#                       out (7 MB instead of 13 MB) but compiles orgdir again.
# PYTHON                the interpreter (default python3.11, else python3)
#
# Work files go to ${CARGO_TARGET_DIR:-target}/pytest-wheel: build-venv
# (maturin, kept while python/requirements-build.txt is unchanged), wheels/,
# and test-venv (made again on every run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
START=$(date +%s)
TARGET=${CARGO_TARGET_DIR:-target}
case "$TARGET" in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
export CARGO_TARGET_DIR=$TARGET
WORK=$TARGET/pytest-wheel
PROFILE=${PYTEST_WHEEL_PROFILE:-dev}
case "$PROFILE" in dev | release) ;; *) echo "pytest_wheel: PYTEST_WHEEL_PROFILE is dev or release" >&2; exit 2 ;; esac

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PY=$candidate; break; fi
  done
fi
[ -n "$PY" ] || { echo "pytest_wheel: no python3 found" >&2; exit 2; }
PIP=(-m pip install --quiet --disable-pip-version-check)

# 1. maturin, in a venv of its own
BUILD=$WORK/build-venv
REQ_BUILD=$ROOT/python/requirements-build.txt
if [ ! -x "$BUILD/bin/maturin" ] || ! cmp -s "$REQ_BUILD" "$BUILD/.requirements"; then
  rm -rf "$BUILD"
  "$PY" -m venv "$BUILD"
  "$BUILD/bin/python" "${PIP[@]}" -r "$REQ_BUILD"
  cp "$REQ_BUILD" "$BUILD/.requirements"
fi

# 2. the wheel
rm -rf "$WORK/wheels"
(cd python && "$BUILD/bin/maturin" build --locked --profile "$PROFILE" --out "$WORK/wheels" --quiet)
WHEEL=$(ls "$WORK"/wheels/pytest_orgdir-*.whl)
echo "wheel: $(basename "$WHEEL"), $(du -k "$WHEEL" | cut -f1) KiB ($PROFILE binary)"

# 3. a fresh virtual environment with the wheel, pytest, xdist and Zoho's SDK
VENV=$WORK/test-venv
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" "${PIP[@]}" "$WHEEL" -r "$ROOT/python/requirements-test.txt"

# 4. the examples, with a PATH that has the venv and the system, and no cargo
CLEAN=(env -i "PATH=$VENV/bin:/usr/bin:/bin" "HOME=$HOME" "LANG=C.UTF-8" PYTHONDONTWRITEBYTECODE=1)
if found=$("${CLEAN[@]}" sh -c 'command -v cargo || command -v rustc'); then
  echo "pytest_wheel: the test PATH still finds $found" >&2
  exit 1
fi
found=$("${CLEAN[@]}" sh -c 'command -v orgdir' || true)
plugin=$("${CLEAN[@]}" python -c 'import pytest_orgdir; print(pytest_orgdir.binary())')
if [ "$found" != "$VENV/bin/orgdir" ] || [ "$plugin" != "$VENV/bin/orgdir" ]; then
  echo "pytest_wheel: orgdir on PATH is '$found' and the plugin runs '$plugin'; wanted the wheel's $VENV/bin/orgdir" >&2
  exit 1
fi
echo "orgdir: $found ($("${CLEAN[@]}" orgdir --version 2>/dev/null || echo "no --version")), no cargo on PATH"
"${CLEAN[@]}" python -m pytest -n 2 -o cache_dir="$WORK/pytest-cache" "$ROOT/examples/pytest" "$@"
echo "pytest_wheel: done in $(( $(date +%s) - START )) s"
