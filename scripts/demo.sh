#!/usr/bin/env bash
# credmint's offline demo: a new service-account key, an IAM-style signed JWT,
# verification that passes and one that fails, a signed blob. No cloud account.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release --locked -p credmint-cli
credmint=${CARGO_TARGET_DIR:-target}/release/credmint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

email=demo@credmint-demo.iam.gserviceaccount.com
now=$(date +%s)

step "1. keygen: a new 2048-bit service-account key file (private key not shown)"
"$credmint" keygen --email "$email" > "$work/key.json"
echo "client_email: $(field '["client_email"]' < "$work/key.json")"
echo "key id:       $(field '["private_key_id"]' < "$work/key.json")"

step "2. jwks: the public key, as a verifier would fetch it"
"$credmint" jwks --key "$work/key.json" | tee "$work/jwks.json" | cut -c1-120
echo "…"

step "3. sign-jwt: what IAM signJwt returns (exp added: now + 3600)"
"$credmint" sign-jwt --key "$work/key.json" --now "$now" \
  --claims '{"iss":"'"$email"'","aud":"https://api.example.com","sub":"demo-user","iat":'"$now"'}' > "$work/signed.json"
token=$(field '["signedJwt"]' < "$work/signed.json")
echo "keyId:     $(field '["keyId"]' < "$work/signed.json")"
echo "signedJwt: ${token:0:60}… (${#token} bytes)"

step "4. inspect: header and claims, explicitly unverified"
printf '%s\n' "$token" | "$credmint" inspect -

step "5. verify: signature, exp/iat, audience and issuer against the JWK Set"
start=$(date +%s%N)
printf '%s\n' "$token" | "$credmint" verify - --keys "$work/jwks.json" \
  --aud https://api.example.com --iss "$email" --max-lifetime 3600
echo "(whole process, including start-up: $(( ($(date +%s%N) - start) / 1000000 )) ms)"

step "6. verify for another audience: refused with a typed error"
if printf '%s\n' "$token" | "$credmint" verify - --keys "$work/jwks.json" --aud https://other.example.com; then
  echo "unexpected: verification succeeded" >&2; exit 1
fi

step "7. verify one hour and two minutes later: expired"
if printf '%s\n' "$token" | "$credmint" verify - --keys "$work/jwks.json" --now $((now + 3720)); then
  echo "unexpected: verification succeeded" >&2; exit 1
fi

step "8. sign-blob: what IAM signBlob returns"
printf 'hello, credmint' | "$credmint" sign-blob --key "$work/key.json" --input - | cut -c1-120
echo "…"

printf '\n\033[1mDone.\033[0m Every step ran offline on the credmint core; see README.md for the API.\n'
