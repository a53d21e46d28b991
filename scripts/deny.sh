#!/usr/bin/env bash
# cargo deny check (advisories, licences, bans, sources; deny.toml) against
# the offline RustSec snapshot, since the advisory database cannot be fetched
# here. The snapshot is looked for in $CREDMINT_ADVISORY_DB, then
# ../shared/advisory-db beside the checkout, then /work/shared/advisory-db;
# a git copy of it is made where deny.toml's db-path points (cargo-deny reads
# the commit time of a git checkout), dated as the snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${CREDMINT_CACHE:-$HOME/.cache/credmint}
tools=$cache/tools
export PATH=$tools/bin:$PATH

snapshot=
for candidate in "${CREDMINT_ADVISORY_DB:-}" "$(pwd)/../shared/advisory-db" /work/shared/advisory-db; do
  if [ -n "$candidate" ] && [ -f "$candidate/SNAPSHOT.md" ]; then snapshot=$candidate; break; fi
done
if [ -z "$snapshot" ]; then
  echo "deny: no RustSec snapshot found (set CREDMINT_ADVISORY_DB to a copy of rustsec/advisory-db)" >&2
  exit 1
fi

# deny.toml: db-path = "~/.cache/credmint/advisory-db"; the directory name is
# cargo-deny's for the db-urls entry.
db=$HOME/.cache/credmint/advisory-db/advisory-db-3157b0e258782691
commit=$(grep -o 'commit [0-9a-f]\{40\}' "$snapshot/SNAPSHOT.md" | head -1 | cut -d' ' -f2)
date=$(grep -o 'of [0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}' "$snapshot/SNAPSHOT.md" | head -1 | cut -d' ' -f2)
if [ "$(cat "$db/.credmint-snapshot" 2>/dev/null)" != "$commit" ]; then
  rm -rf "$db" && mkdir -p "$(dirname "$db")"
  cp -r "$snapshot" "$db"
  (cd "$db" && git init -q && git add -A \
    && GIT_AUTHOR_DATE="${date}T00:00:00Z" GIT_COMMITTER_DATE="${date}T00:00:00Z" \
       git -c user.name=credmint -c user.email=credmint@localhost commit -q -m "RustSec advisory-db $commit")
  echo "$commit" > "$db/.credmint-snapshot"
fi
echo "deny: RustSec advisory-db snapshot $commit of $date ($snapshot)"

if ! command -v cargo-deny >/dev/null 2>&1; then
  cargo install --quiet --locked --root "$tools" cargo-deny --version 0.20.2
fi
# --offline: crates (every platform's) come from cargo's cache, fetched here.
cargo fetch --locked --quiet
cargo deny --offline check
