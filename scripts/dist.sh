#!/usr/bin/env bash
# Builds what a registry would serve, into target/dist/ (make dist):
#   credmint-VERSION-cp39-abi3-manylinux_*.whl   the Python wheel (abi3; tag checked by maturin and auditwheel)
#   credmint-VERSION.tar.gz                      its sdist (builds with Rust, like any source install)
#   credmint-VERSION.tgz                         the npm package
#   credmint-kotlin-VERSION-linux-x86-64.jar     the Kotlin package with libcredmint_ffi.so inside (JNA loads it
#                                                from the classpath); needs JNA 5, kotlin-stdlib, kotlinx-coroutines
#   credmint-VERSION-ARCH-linux                  the CLI (and emulator), stripped
#   SHA256SUMS
# scripts/dist-test.sh installs each into a clean environment with no Rust on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${CREDMINT_CACHE:-$HOME/.cache/credmint}
python=$cache/venv/bin/python
kotlin=${KOTLIN_HOME:-$cache/kotlin-2.4.20}
target=${CARGO_TARGET_DIR:-target}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
arch=$(uname -m)
rm -rf "$target/dist" && mkdir -p "$target/dist"
out=$(cd "$target/dist" && pwd)

# The CLI.
cargo build --locked --quiet --release -p credmint-cli
cp "$target/release/credmint" "$out/credmint-$version-$arch-linux"
strip "$out/credmint-$version-$arch-linux"

# The wheel, tagged manylinux_2_34: built on this machine's glibc (2.36), the
# library uses symbols up to GLIBC_2.34, and maturin refuses any tag older than
# what it needs (manylinux2014 takes the manylinux container or zig, neither
# here). Then the sdist.
"$python" -m maturin build --quiet --locked --manifest-path bindings-python/Cargo.toml \
  --compatibility manylinux_2_34 --out "$out"
"$python" -m maturin sdist --manifest-path bindings-python/Cargo.toml --out "$out"
"$python" -m auditwheel show "$out"/credmint-*.whl | tee "$out/auditwheel.txt"
grep -q 'manylinux_2_34' "$out/auditwheel.txt"

# The npm package.
bindings-wasm/build.sh --package-only
(cd bindings-wasm/dist && npm pack --silent --pack-destination "$out") >/dev/null

# The Kotlin jar, with the release library where JNA looks on the classpath.
cargo build --locked --quiet --release -p credmint-ffi
jar_dir=$target/dist-jar
rm -rf "$jar_dir" && mkdir -p "$jar_dir/linux-x86-64"
"$kotlin/bin/kotlinc" -Werror bindings-swift/kotlin/generated/dev/credmint/credmint.kt \
  bindings-swift/kotlin/src/dev/credmint/*.kt \
  -cp /usr/share/java/jna.jar:"$kotlin/lib/kotlinx-coroutines-core-jvm.jar" -d "$jar_dir/classes.jar" 2>/dev/null
cp "$target/release/libcredmint_ffi.so" "$jar_dir/linux-x86-64/"
strip "$jar_dir/linux-x86-64/libcredmint_ffi.so"
jar="$out/credmint-kotlin-$version-linux-x86-64.jar"
cp "$jar_dir/classes.jar" "$jar"
(cd "$jar_dir" && jar uf "$jar" linux-x86-64/libcredmint_ffi.so)

(cd "$out" && rm -f auditwheel.txt && sha256sum -- * > SHA256SUMS)
ls -l "$out"
