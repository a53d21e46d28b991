#!/usr/bin/env bash
# Installs what `make test` needs beyond cargo: the wasm32 target and a Python
# venv with the interop/vector-check packages. Idempotent and cached.
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

stamp=$venv/.requirements
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/requirements.txt "$stamp"; then
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt
  cp tests/requirements.txt "$stamp"
fi

# Node.js and headless Chromium for the npm package's tests (Debian packages).
if ! command -v node >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  packages=()
  command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null; }
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null
  fi
fi
