#!/usr/bin/env bash
# Generates the Kotlin and Swift sources of credmint-ffi with the workspace's
# uniffi-bindgen (the same uniffi version as the crate) into OUT (default: the
# committed locations). `check-generated.sh` runs it into a temporary folder
# and fails if the committed sources differ.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bindings-swift}
cargo build --locked --quiet -p credmint-ffi -p credmint-uniffi-bindgen
target=${CARGO_TARGET_DIR:-target}
library=$target/debug/libcredmint_ffi.so
bindgen=$target/debug/uniffi-bindgen
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bindgen" generate "$library" --language kotlin --out-dir "$tmp/kotlin" --no-format >/dev/null
"$bindgen" generate "$library" --language swift --out-dir "$tmp/swift" --no-format >/dev/null
mkdir -p "$out/kotlin/generated/dev/credmint" "$out/swift/Sources/Credmint" "$out/swift/CFFI"
cp "$tmp/kotlin/dev/credmint/credmint.kt" "$out/kotlin/generated/dev/credmint/credmint.kt"
cp "$tmp/swift/Credmint.swift" "$out/swift/Sources/Credmint/Credmint.generated.swift"
cp "$tmp/swift/credmint_ffiFFI.h" "$out/swift/CFFI/credmint_ffiFFI.h"
cp "$tmp/swift/credmint_ffiFFI.modulemap" "$out/swift/CFFI/module.modulemap"
