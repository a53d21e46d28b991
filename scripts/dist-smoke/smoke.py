"""Smoke test of the installed wheel: an access token and an ID token from a
key file served by the emulator, the ID token verified against its keys."""

import os

import credmint

key, base = os.environ["CREDMINT_KEY"], os.environ["CREDMINT_BASE"]
credentials = credmint.Credentials.from_file(key)
token = credentials.token()
assert token.token.startswith("ya29."), "not an emulator access token"
id_token = credentials.id_token("https://svc.example")
claims = credmint.verify_google_id_token(
    id_token.token, "https://svc.example", keys_url=f"{base}/oauth2/v3/certs"
)
assert claims["email"] == "ci-runner@demo-project.iam.gserviceaccount.com", claims
print(f"dist-test: Python ok (credmint {credmint.__version__}, {credmint.__file__})")
