#!/usr/bin/env bash
# Builds CredmintFFI.xcframework (static libraries + the C header and module map)
# for iOS devices, the iOS simulator and macOS. Run on macOS with Xcode and
# rustup; then `swift build` / `swift test` in this folder.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "${targets[@]}"
for target in "${targets[@]}"; do
  cargo build --locked --release --manifest-path "$root/Cargo.toml" -p credmint-ffi --target "$target"
done
lib() { echo "$root/target/$1/release/libcredmint_ffi.a"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/headers" "$work/sim" "$work/mac"
cp CFFI/credmint_ffiFFI.h "$work/headers/"
cp CFFI/module.modulemap "$work/headers/module.modulemap"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$work/sim/libcredmint_ffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$work/mac/libcredmint_ffi.a"
rm -rf CredmintFFI.xcframework
xcodebuild -create-xcframework \
  -library "$(lib aarch64-apple-ios)" -headers "$work/headers" \
  -library "$work/sim/libcredmint_ffi.a" -headers "$work/headers" \
  -library "$work/mac/libcredmint_ffi.a" -headers "$work/headers" \
  -output CredmintFFI.xcframework
echo "built $(pwd)/CredmintFFI.xcframework"
