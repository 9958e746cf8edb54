#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through cargo-fuzz) of the `filters`
# parsers, the scope parser, the org document and every JSON request body:
# the targets in fuzz/fuzz_targets, seeded from fuzz/seeds/<target>.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 25 s, every target)
#
# Toolchain: stable Rust. `cargo fuzz run -s none` (no sanitizer) needs no
# nightly and no RUSTC_BOOTSTRAP: the coverage instrumentation cargo-fuzz asks
# for (-Cpasses=sancov-module, -Cllvm-args=-sanitizer-coverage-*) is stable;
# only the sanitizers (-Zsanitizer=address, the default `-s address`) are not.
# Safe Rust needs no AddressSanitizer to find what matters here: panics,
# overflows (debug assertions are on), 5xx answers, unbounded recursion.
#
# Caches, so that CI's step stays short on a machine that ran it before:
# - cargo-fuzz is installed into CARGO_HOME when missing (pinned, --locked;
#   about 90 s once);
# - the instrumented build goes to ORGDIR_FUZZ_TARGET_DIR, else
#   CARGO_TARGET_DIR, else ~/.cache/orgdir/fuzz-target (outside the clone,
#   so a fresh clone reuses it: a cold build of the whole dependency tree with
#   coverage instrumentation takes 5 to 15 minutes on two cores, a warm one
#   seconds, or about two minutes when orgdir-server changed).
# The growing corpus lives there too (<dir>/fuzz/corpus/<target>), never in
# git; a crash is written to <dir>/fuzz/artifacts/<target>/ and fails the run.
# Reproduce one with:  CARGO_TARGET_DIR=<dir> cargo fuzz run -s none --fuzz-dir fuzz <target> <artifact>
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-25}
shift || true
CARGO_FUZZ_VERSION=0.13.2
TARGET_DIR=${ORGDIR_FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$HOME/.cache/orgdir/fuzz-target}}
mkdir -p "$TARGET_DIR"
export CARGO_TARGET_DIR=$TARGET_DIR

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION into ${CARGO_HOME:-$HOME/.cargo}"
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(cargo fuzz list --fuzz-dir fuzz)
fi

started=$(date +%s)
# One build of every target (`cargo fuzz run` below then finds it built).
cargo fuzz build -s none --fuzz-dir fuzz

status=0
summary=()
for target in "${TARGETS[@]}"; do
  corpus="$TARGET_DIR/fuzz/corpus/$target"
  artifacts="$TARGET_DIR/fuzz/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  log="$TARGET_DIR/fuzz/$target.log"
  dict=()
  [ -f "fuzz/dicts/$target.dict" ] && dict=("-dict=fuzz/dicts/$target.dict")
  printf '\n--- %s: %s s ---\n' "$target" "$SECONDS_PER_TARGET"
  if cargo fuzz run -s none --fuzz-dir fuzz "$target" "$corpus" "fuzz/seeds/$target" -- \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=30 -rss_limit_mb=2048 \
      -max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
      >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
    grep -E "panicked|ERROR|SUMMARY|Test unit written" "$log" | head -n 20 || true
    tail -n 30 "$log"
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  units=$(find "$corpus" -type f | wc -l)
  bytes=$(( $(du -sb "$corpus" | cut -f1) / 1024 ))
  summary+=("$(printf '%-14s %-6s %10s execs  corpus %5s files %6s KiB' "$target" "$result" "$execs" "$units" "$bytes")")
done

printf '\nfuzz summary (%s s per target, %s s in all):\n' "$SECONDS_PER_TARGET" "$(( $(date +%s) - started ))"
printf '  %s\n' "${summary[@]}"
exit $status
