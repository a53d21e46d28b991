#!/usr/bin/env bash
# Installs every artifact of target/dist (scripts/dist.sh) into a clean
# environment with no Rust toolchain on PATH (the sdist: with Rust, built by
# pip) and runs a smoke script against
# the emulator served by the dist CLI: a fresh venv (pip install of the wheel,
# no index), a fresh npm project (npm install of the tarball, offline), a
# plain JVM classpath (the jar, JNA, kotlin-stdlib, kotlinx-coroutines).
# Each smoke gets an access token and an ID token from a key file and
# verifies the ID token against the emulator's keys.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cache=${CREDMINT_CACHE:-$HOME/.cache/credmint}
kotlin=${KOTLIN_HOME:-$cache/kotlin-2.4.20}
target=${CARGO_TARGET_DIR:-target}
dist=$(cd "$target/dist" && pwd)
work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The sdist first, while Rust is still on PATH: it builds from source like any
# source install (pip, no index, no build isolation: maturin pinned as in
# tests/requirements.txt). The dev profile and the workspace's target directory
# keep it to a compile of credmint itself; the release build is the wheel's.
python3 -m venv "$work/sdist-venv"
"$work/sdist-venv/bin/pip" install --quiet --disable-pip-version-check "$(grep '^maturin==' tests/requirements.txt)"
PATH=$work/sdist-venv/bin:$PATH MATURIN_PEP517_ARGS="--profile dev" CARGO_TARGET_DIR=$(cd "$target" && pwd) \
  "$work/sdist-venv/bin/pip" install --quiet --disable-pip-version-check --no-index --no-build-isolation \
  "$dist"/credmint-*.tar.gz
echo "dist-test: the sdist built and installed"

# No cargo, rustc or rustup: PATH without ~/.cargo/bin (and anything else holding them).
clean_path=
IFS=: read -ra entries <<<"$PATH"
for entry in "${entries[@]}"; do
  [ -x "$entry/cargo" ] || [ -x "$entry/rustc" ] || [ -x "$entry/rustup" ] && continue
  clean_path=${clean_path:+$clean_path:}$entry
done
export PATH=$clean_path
unset CARGO_HOME RUSTUP_HOME CARGO_TARGET_DIR
if command -v cargo >/dev/null 2>&1 || command -v rustc >/dev/null 2>&1; then
  echo "dist-test: a Rust toolchain is still on PATH" >&2
  exit 1
fi

(cd "$dist" && sha256sum --check --quiet SHA256SUMS)

cli=$(ls "$dist"/credmint-*-linux)
"$cli" serve --port 0 --keys-dir "$work/keys" > "$work/serve.out" &
server=$!
for _ in $(seq 100); do [ -s "$work/serve.out" ] && break; sleep 0.1; done
base=$(head -1 "$work/serve.out")
key=$work/keys/ci-runner@demo-project.iam.gserviceaccount.com.json
echo "dist-test: emulator at $base (the dist CLI)"
"$cli" token --key "$key" >/dev/null
echo "dist-test: CLI ok"

# Python: a fresh venv, the wheel only.
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$dist"/credmint-*.whl
CREDMINT_KEY=$key CREDMINT_BASE=$base "$work/venv/bin/python" "$root/scripts/dist-smoke/smoke.py"
CREDMINT_KEY=$key CREDMINT_BASE=$base "$work/sdist-venv/bin/python" "$root/scripts/dist-smoke/smoke.py"

# npm: a fresh project, the tarball only.
mkdir -p "$work/npm" && cd "$work/npm"
npm init -y >/dev/null
npm install --silent --offline --no-audit --no-fund "$dist"/credmint-*.tgz
cp "$root/scripts/dist-smoke/smoke.mjs" .
CREDMINT_KEY=$key CREDMINT_BASE=$base node smoke.mjs
cd "$root"

# JVM: the jar on a plain classpath with its three dependencies.
jar=$(ls "$dist"/credmint-kotlin-*.jar)
deps=/usr/share/java/jna.jar:$kotlin/lib/kotlin-stdlib.jar:$kotlin/lib/kotlinx-coroutines-core-jvm.jar
"$kotlin/bin/kotlinc" -nowarn "$root/scripts/dist-smoke/Smoke.kt" -cp "$jar:$deps" -d "$work/smoke.jar" 2>/dev/null
CREDMINT_KEY=$key CREDMINT_BASE=$base java -cp "$jar:$deps:$work/smoke.jar" SmokeKt
echo "dist-test: every artifact installed and ran without Rust"
