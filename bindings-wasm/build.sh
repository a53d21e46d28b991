#!/usr/bin/env bash
# Builds the npm package into bindings-wasm/dist: the core compiled to wasm32
# (cargo profile `wasm`: opt-level "z", fat LTO),
# wasm-bindgen's ESM glue (--target web) over exports that return through memory
# (tools/single-value.mjs), wasm-opt -O2 when available (-Oz is only
# 2 % smaller here; decision 0003), and the JS API. The same package
# with the conformance flows (feature `conformance`, test code users never load)
# goes to bindings-wasm/dist-test for the vector suites; `--package-only` skips it.
# wasm-bindgen-cli is installed once, pinned to the crate's version.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${CREDMINT_CACHE:-$HOME/.cache/credmint}
tools=$cache/tools
version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' bindings-wasm/Cargo.toml)
if [ "$("$tools/bin/wasm-bindgen" --version 2>/dev/null | cut -d' ' -f2)" != "$version" ]; then
  # Without --locked: the CLI's lock file pins a webpki-roots the registry here lacks.
  cargo install --quiet wasm-bindgen-cli --version "$version" --root "$tools"
fi
target_dir=${CARGO_TARGET_DIR:-target}

# package OUT_DIR [CARGO_FEATURES]: one build of the module and its JS.
package() {
  local out=$1 features=${2:-}
  cargo build --locked --quiet -p credmint-wasm --target wasm32-unknown-unknown --profile wasm \
    ${features:+--features "$features"}
  rm -rf "$out" && mkdir -p "$out"
  # A copy marked as not using multi-value (tools/single-value.mjs: V8 compiles
  # a JS-to-Wasm wrapper per multi-value export when the module is compiled).
  local input="$out/credmint_wasm.wasm"
  cp "$target_dir/wasm32-unknown-unknown/wasm/credmint_wasm.wasm" "$input"
  node bindings-wasm/tools/single-value.mjs "$input"
  "$tools/bin/wasm-bindgen" "$input" --target web --out-dir "$out" --no-typescript
  rm "$input"
  if [ -x bindings-wasm/node_modules/.bin/wasm-opt ]; then
    bindings-wasm/node_modules/.bin/wasm-opt -O2 "$out/credmint_wasm_bg.wasm" -o "$out/credmint_wasm_bg.wasm"
  fi
  cp bindings-wasm/js/*.js bindings-wasm/js/package.json bindings-wasm/js/index.d.ts "$out/"
  local raw gz
  raw=$(stat -c %s "$out/credmint_wasm_bg.wasm")
  gz=$(gzip -9c "$out/credmint_wasm_bg.wasm" | wc -c)
  echo "$out/credmint_wasm_bg.wasm: $raw bytes, $gz gzipped"
}

if [ "${1:-}" != --package-only ]; then
  package bindings-wasm/dist-test conformance
fi
package bindings-wasm/dist
