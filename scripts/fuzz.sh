#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo-fuzz (libFuzzer) on the nightly toolchain.
#
#   scripts/fuzz.sh smoke                  every target from the committed corpus, a fixed number of
#                                          inputs with a fixed seed: the same run on every machine (CI)
#   scripts/fuzz.sh long TARGET SECONDS    one target, long; new inputs kept in target/fuzz/corpus/TARGET
#   FUZZ_RUNS=100000000 scripts/fuzz.sh long TARGET SECONDS   stop at that many executions (or SECONDS)
#
# The committed corpora (fuzz/corpus/) are read, never written; new inputs go
# to target/fuzz/corpus/. A crash or hang stops the run, prints the input's
# path and exits non-zero: copy it into fuzz/regressions/TARGET/ (the stable
# replay test runs it from then on) and fix the bug. Built with
# --sanitizer none (the core has no unsafe code, and AWS-LC's C is not
# instrumented by cargo-fuzz anyway) and debug assertions (overflow checks on).
# The stable suite replays every corpus input without nightly:
# `cargo test -p credmint-fuzz`.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${CREDMINT_CACHE:-$HOME/.cache/credmint}
tools=$cache/tools
export PATH=$tools/bin:$PATH
targets=(adc dates documents json jws keys responses)
work=${CARGO_TARGET_DIR:-target}/fuzz

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain here; fuzzing skipped (the corpora still ran on stable in cargo test -p credmint-fuzz)"
  exit 0
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --quiet --locked --root "$tools" cargo-fuzz --version 0.13.1
fi

build() {
  cargo +nightly fuzz build --fuzz-dir fuzz/libfuzzer --target-dir "$work/build" -s none -a "$@" >/dev/null 2>"$work/build.log" \
    || { cat "$work/build.log"; exit 1; }
}

# run TARGET SECONDS [LIBFUZZER FLAGS]: fuzz, then print "TARGET execs cov ft".
run() {
  local target=$1 seconds=$2
  shift 2
  local corpus=${CORPUS:-$work/corpus/$target} artifacts=$work/artifacts/$target
  local log=${corpus%/}.log
  mkdir -p "$corpus" "$artifacts"
  if ! cargo +nightly fuzz run --fuzz-dir fuzz/libfuzzer --target-dir "$work/build" -s none -a "$target" \
      "$corpus" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} "$@" >"$log" 2>&1; then
    echo "fuzz: $target FAILED; the input is in $artifacts/:"
    grep -aE 'panicked|SUMMARY|Test unit written|timeout' "$log" | head -5
    ls "$artifacts"
    exit 1
  fi
  local execs cov ft
  # libFuzzer's closing lines: "#N DONE cov: C ft: F …" and "Done N runs in S second(s)".
  local done
  done=$(grep -a 'DONE ' "$log" | tail -1)
  execs=$(grep -ao 'Done [0-9]* runs' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' <<<"$done" | grep -o '[0-9]*$' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' <<<"$done" | grep -o '[0-9]*$' || echo 0)
  local took
  took=$(grep -ao 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o '[0-9]* second' | grep -o '[0-9]*' || echo "$seconds")
  printf '%-10s %14s execs %8s edges %8s features %6s s\n' "$target" "$execs" "$cov" "$ft" "$took"
}

mkdir -p "$work"
case ${1:-smoke} in
  smoke)
    # Inputs per target (about 10-20 s each here), seed 1, new inputs kept
    # apart and dropped: a failure here is one any machine reproduces.
    declare -A runs=([adc]=1000000 [dates]=1000000 [documents]=1000000 [json]=1000000 [jws]=1000000 [keys]=400000 [responses]=150000)
    build
    for target in "${targets[@]}"; do
      rm -rf "$work/smoke/$target"
      CORPUS=$work/smoke/$target run "$target" 300 -seed=1 -runs="${runs[$target]}"
    done
    ;;
  long)
    target=${2:?usage: scripts/fuzz.sh long TARGET SECONDS}
    seconds=${3:?usage: scripts/fuzz.sh long TARGET SECONDS}
    build "$target"
    run "$target" "$seconds"
    ;;
  *)
    echo "usage: scripts/fuzz.sh smoke [SECONDS] | long TARGET SECONDS" >&2
    exit 2
    ;;
esac
