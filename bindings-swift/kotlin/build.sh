#!/usr/bin/env bash
# Compiles the Kotlin package (generated bindings + the thin layer) into
# target/kotlin/credmint.jar, then, with `--test`, compiles the JUnit suite
# against it and runs it on the JVM, loading libcredmint_ffi.so through JNA;
# with `--bench`, runs bench/ against the release library.
# Needs kotlinc (scripts/setup.sh puts it in the cache), JNA, JUnit 4 and Gson
# (Debian: libjna-java, junit4, libgoogle-gson-java).
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${CREDMINT_CACHE:-$HOME/.cache/credmint}
kotlin=${KOTLIN_HOME:-$cache/kotlin-2.4.20}
target=${CARGO_TARGET_DIR:-target}
out=$target/kotlin
java=/usr/share/java
classpath=$java/jna.jar:$kotlin/lib/kotlinx-coroutines-core-jvm.jar
mkdir -p "$out"

cargo build --locked --quiet -p credmint-ffi
rm -f "$out/credmint.jar"
"$kotlin/bin/kotlinc" -Werror bindings-swift/kotlin/generated/dev/credmint/credmint.kt \
  bindings-swift/kotlin/src/dev/credmint/*.kt -cp "$classpath" -d "$out/credmint.jar"
echo "built $out/credmint.jar"

if [ "${1:-}" = "--bench" ]; then
  cargo build --locked --quiet --release -p credmint-ffi
  "$kotlin/bin/kotlinc" -Werror bindings-swift/kotlin/bench/dev/credmint/*.kt -cp "$classpath:$out/credmint.jar" \
    -d "$out/credmint-bench.jar"
  java -Djna.library.path="$target/release" \
    -cp "$classpath:$out/credmint.jar:$out/credmint-bench.jar:$kotlin/lib/kotlin-stdlib.jar" dev.credmint.BenchKt
fi

if [ "${1:-}" = "--test" ]; then
  cargo build --locked --quiet -p credmint-cli
  tests=$classpath:$out/credmint.jar:$java/junit4.jar:$java/gson.jar
  rm -f "$out/credmint-tests.jar"
  # A friend of the package (as Gradle makes a module's tests): the tests may use its internal seams.
  "$kotlin/bin/kotlinc" -Werror -Xfriend-paths="$out/credmint.jar" bindings-swift/kotlin/test/dev/credmint/*.kt -cp "$tests" \
    -d "$out/credmint-tests.jar"
  java -Djna.library.path="$target/debug" -Dcredmint.bin="$target/debug/credmint" -Dcredmint.vectors=tests/vectors \
    -cp "$tests:$out/credmint-tests.jar:$kotlin/lib/kotlin-stdlib.jar:$java/hamcrest-core.jar" \
    org.junit.runner.JUnitCore dev.credmint.VectorsTest dev.credmint.CredentialsTest dev.credmint.EndToEndTest \
    dev.credmint.ErrorsAndRedactionTest dev.credmint.VerifierTest dev.credmint.SharedVectorsTest dev.credmint.SharedStoreTest \
    dev.credmint.HostileServerTest
fi
