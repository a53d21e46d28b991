"""A usage file checked with `mypy --strict` against credmint's types (CI)."""

from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional

import credmint
from credmint.k0rdent import Credential


def mint(path: str) -> str:
    key: credmint.ServiceAccountKey = credmint.ServiceAccountKey.from_file(path)
    signed: credmint.SignedJwt = key.sign_jwt({"aud": "https://svc.example"}, now=1_700_000_000)
    blob: bytes = key.sign_blob(b"data").signed_blob
    jwks: Dict[str, Any] = key.jwks()
    assertion: str = key.self_signed_jwt(audience="https://pubsub.googleapis.com/")
    assert blob and jwks and assertion
    return signed.signed_jwt


def check(token: str, keys: Dict[str, Any]) -> Dict[str, Any]:
    try:
        return credmint.verify(token, keys, audience="https://svc.example", leeway=30)
    except credmint.TokenExpiredError as expired:
        code: str = expired.code
        raise RuntimeError(code) from None


def refresh(path: str) -> datetime:
    key = credmint.ServiceAccountKey.from_file(path)
    credentials = credmint.ServiceAccountCredentials(key, scopes=["https://www.googleapis.com/auth/cloud-platform"])
    target = credmint.ImpersonatedCredentials(credentials, "sa@p.iam.gserviceaccount.com", delegates=(), lifetime=600)
    token: credmint.AccessToken = target.token()
    id_token: credmint.IdToken = target.id_token("https://run.example", include_email=True)
    assert id_token.token
    return token.expires_at


def listing(base: str, admin: credmint.ClientCredentials) -> List[str]:
    items: Iterator[Credential] = credmint.k0rdent.list_credentials(base, "sa-1", token=admin, status="active")
    return [item.id for item in items]


def ibm() -> int:
    credentials = credmint.IbmApiKeyCredentials("key", url="https://iam.cloud.ibm.com")
    try:
        credentials.token()
    except credmint.RemoteError as error:
        return error.status or 0
    return 200


def verifiers(token: str) -> str:
    claims: Dict[str, Any] = credmint.verify_google_id_token(token, "https://run.example")
    verifier = credmint.TokenVerifier("iap", audience="/projects/1/apps/p")
    iap: Dict[str, Any] = verifier.verify(token)
    snapshot: Optional[str] = verifier.snapshot()
    if snapshot is not None:
        verifier.restore(snapshot)
    return str(claims["sub"]) + str(iap["email"])
