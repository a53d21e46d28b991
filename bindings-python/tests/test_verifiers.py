"""Ready verifiers against the emulator's real key endpoints, with unmodified
peers: google-auth mints the ID token, PyJWT agrees on IAP's ES256."""

import asyncio
import json
import threading
import urllib.parse
import urllib.request
from typing import Any, Dict, List

import jwt as pyjwt
import pytest

import credmint
from conftest import CI

AUDIENCE = "https://run.example"
IAP_AUDIENCE = "/projects/123/global/backendServices/456"


def _get(emulator: Any, path: str) -> Dict[str, Any]:
    with urllib.request.urlopen(emulator.base + path, timeout=10) as answer:
        result: Dict[str, Any] = json.load(answer)
        return result


def _post(emulator: Any, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
    request = urllib.request.Request(
        emulator.base + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: Dict[str, Any] = json.load(answer)
        return result


def _fetches(emulator: Any, route: str) -> int:
    return int(_get(emulator, "/_emulator/stats")["requests"].get(route, 0))


def _iap_assertion(emulator: Any, email: str = "user@example.com") -> str:
    return str(_post(emulator, "/_emulator/iap/assertion", {"audience": IAP_AUDIENCE, "email": email})["assertion"])


def _google_auth_id_token(emulator: Any, audience: str) -> str:
    """An ID token from google-auth's ``id_token.fetch_id_token``, unmodified,
    with GOOGLE_APPLICATION_CREDENTIALS naming a key file the emulator wrote."""
    import os

    import google.auth.transport.requests
    from google.oauth2 import id_token

    saved = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = emulator.key_file(CI)
    try:
        return str(id_token.fetch_id_token(google.auth.transport.requests.Request(), audience))
    finally:
        if saved is None:
            del os.environ["GOOGLE_APPLICATION_CREDENTIALS"]
        else:
            os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = saved


def test_google_auth_id_tokens_verify_with_one_fetch(emulator: Any) -> None:
    keys_url = emulator.base + "/oauth2/v3/certs"
    verifier = credmint.TokenVerifier("google_id_token", audience=AUDIENCE, keys_url=keys_url)
    before = _fetches(emulator, "GET /oauth2/v3/certs")
    for _ in range(5):
        claims = verifier.verify(_google_auth_id_token(emulator, AUDIENCE))
        assert claims["aud"] == AUDIENCE and claims["iss"] == "https://accounts.google.com"
    assert _fetches(emulator, "GET /oauth2/v3/certs") == before + 1
    with pytest.raises(credmint.AudienceMismatchError):
        verifier.verify(_google_auth_id_token(emulator, "https://other.example"))
    # The module-level function shares one verifier per preset and options.
    token = _google_auth_id_token(emulator, AUDIENCE)
    assert credmint.verify_google_id_token(token, AUDIENCE, keys_url=keys_url)["aud"] == AUDIENCE
    assert credmint.verify_google_id_token(token, [AUDIENCE, "x"], keys_url=keys_url)["aud"] == AUDIENCE


def test_iap_assertions_verify_and_pyjwt_agrees(emulator: Any) -> None:
    keys_url = emulator.base + "/iap/verify/public_key-jwk"
    assertion = _iap_assertion(emulator)
    claims = credmint.verify_iap_assertion(assertion, IAP_AUDIENCE, keys_url=keys_url)
    assert claims["iss"] == "https://cloud.google.com/iap" and claims["email"] == "user@example.com"
    jwks = pyjwt.PyJWKClient(keys_url)
    peer = pyjwt.decode(
        assertion,
        jwks.get_signing_key_from_jwt(assertion).key,
        algorithms=["ES256"],
        audience=IAP_AUDIENCE,
        issuer="https://cloud.google.com/iap",
    )
    assert peer == claims
    header, payload, signature = assertion.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BA'}"
    with pytest.raises(credmint.SignatureInvalidError):
        credmint.verify_iap_assertion(tampered, IAP_AUDIENCE, keys_url=keys_url)
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(tampered, jwks.get_signing_key_from_jwt(tampered).key, algorithms=["ES256"], audience=IAP_AUDIENCE)
    with pytest.raises(credmint.AudienceMismatchError):
        credmint.verify_iap_assertion(assertion, "/projects/9/apps/other", keys_url=keys_url)


def test_a_snapshot_seeds_another_verifier_without_a_fetch(emulator: Any) -> None:
    keys_url = emulator.base + "/identity/keys"
    first = credmint.TokenVerifier("ibm_iam", keys_url=keys_url)
    assert first.snapshot() is None
    token = _ibm_token(emulator)
    first.verify(token)
    snapshot = first.snapshot()
    assert snapshot is not None
    before = _fetches(emulator, "GET /identity/keys")
    second = credmint.TokenVerifier("ibm_iam", keys_url=keys_url)
    second.restore(snapshot)
    assert second.verify(token)["iss"] == "https://iam.cloud.ibm.com/identity"
    assert _fetches(emulator, "GET /identity/keys") == before
    other = credmint.TokenVerifier("ibm_iam", keys_url=emulator.base + "/oauth2/v3/certs")
    with pytest.raises(credmint.InvalidArgumentError):
        other.restore(snapshot)  # taken from another URL


def _ibm_token(emulator: Any) -> str:
    from conftest import APIKEY

    body = urllib.parse.urlencode({"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": APIKEY})
    request = urllib.request.Request(emulator.base + "/identity/token", data=body.encode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(json.load(answer)["access_token"])


def test_threads_on_a_cold_verifier_share_one_fetch(emulator: Any) -> None:
    keys_url = emulator.base + "/iap/verify/public_key-jwk"
    verifier = credmint.TokenVerifier("iap", audience=IAP_AUDIENCE, keys_url=keys_url)
    assertion = _iap_assertion(emulator)
    before = _fetches(emulator, "GET /iap/verify/public_key-jwk")
    results: List[Any] = []
    barrier = threading.Barrier(16)

    def run() -> None:
        barrier.wait()
        try:
            results.append(verifier.verify(assertion)["email"])
        except Exception as failure:  # noqa: BLE001 - collected for the assertion below
            results.append(failure)

    threads = [threading.Thread(target=run) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == ["user@example.com"] * 16
    assert _fetches(emulator, "GET /iap/verify/public_key-jwk") == before + 1


def test_async_verification(emulator: Any) -> None:
    keys_url = emulator.base + "/iap/verify/public_key-jwk"
    assertion = _iap_assertion(emulator)

    async def both() -> List[Dict[str, Any]]:
        return list(
            await asyncio.gather(
                credmint.verify_iap_assertion_async(assertion, IAP_AUDIENCE, keys_url=keys_url),
                credmint.verify_iap_assertion_async(assertion, IAP_AUDIENCE, keys_url=keys_url),
            )
        )

    first, second = asyncio.run(both())
    assert first == second and first["aud"] == IAP_AUDIENCE


def test_bad_configuration_and_forged_kids_are_typed(emulator: Any) -> None:
    with pytest.raises(credmint.InvalidArgumentError, match="unknown verifier preset"):
        credmint.TokenVerifier("nope", audience="x")
    with pytest.raises(credmint.InvalidArgumentError, match="needs exactly one audience"):
        credmint.TokenVerifier("iap", audience=["/projects/1/apps/a", "/projects/1/apps/b"])
    with pytest.raises(credmint.InvalidArgumentError):
        credmint.TokenVerifier("google_id_token", audience="x", colour="red")
    keys_url = emulator.base + "/iap/verify/public_key-jwk"
    verifier = credmint.TokenVerifier("iap", audience=IAP_AUDIENCE, keys_url=keys_url)
    genuine = _iap_assertion(emulator)
    verifier.verify(genuine)
    import base64

    header = base64.urlsafe_b64encode(b'{"alg":"ES256","kid":"forged"}').rstrip(b"=").decode()
    forged = header + genuine[genuine.index(".") :]
    with pytest.raises(credmint.TokenValidationError) as raised:
        verifier.verify(forged)
    assert raised.value.code == "key_not_found"
    assert "forged" not in repr(verifier)
