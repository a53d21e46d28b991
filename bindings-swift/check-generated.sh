#!/usr/bin/env bash
# Fails when the committed Kotlin/Swift sources differ from what the current
# crate generates, then checks the Swift package (swift/check_swift.py).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bindings-swift/generate.sh "$tmp"
status=0
for file in kotlin/generated/dev/credmint/credmint.kt swift/Sources/Credmint/Credmint.generated.swift \
    swift/CFFI/credmint_ffiFFI.h swift/CFFI/module.modulemap; do
  if ! cmp -s "$tmp/$file" "bindings-swift/$file"; then
    echo "bindings-swift/$file is stale: run bindings-swift/generate.sh and commit" >&2
    status=1
  fi
done
python=${PYTHON:-${CREDMINT_CACHE:-$HOME/.cache/credmint}/venv/bin/python}
"$python" bindings-swift/swift/check_swift.py "${CARGO_TARGET_DIR:-target}/debug/libcredmint_ffi.so" || status=1
exit $status
