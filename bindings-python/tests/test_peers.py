"""Real peers: PyJWT + cryptography and google-auth verify what credmint signs,
and credmint verifies what they sign. Errors and reprs never show secrets."""

import json
import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from google.auth import crypt as google_crypt
from google.auth import jwt as google_jwt

import credmint
from conftest import VECTORS

KEY_FILE = VECTORS / "keys" / "sa_2048_pkcs8.json"


@pytest.fixture(scope="module")
def key() -> credmint.ServiceAccountKey:
    return credmint.ServiceAccountKey.from_file(KEY_FILE)


@pytest.fixture(scope="module")
def private_pem() -> bytes:
    return json.loads(KEY_FILE.read_text())["private_key"].encode()


def public_key(private_pem: bytes):  # type: ignore[no-untyped-def]
    return serialization.load_pem_private_key(private_pem, password=None).public_key()


def test_pyjwt_and_google_auth_verify_credmint_jwts(key: credmint.ServiceAccountKey, private_pem: bytes) -> None:
    now = int(time.time())
    signed = key.sign_jwt({"iss": key.client_email, "aud": "https://svc.example", "iat": now, "n": 1})
    claims = pyjwt.decode(signed.signed_jwt, public_key(private_pem), algorithms=["RS256"], audience="https://svc.example")
    assert claims["n"] == 1
    assert pyjwt.get_unverified_header(signed.signed_jwt)["kid"] == key.key_id
    certs = {key.key_id: private_pem_to_public_pem(private_pem)}
    claims = google_jwt.decode(signed.signed_jwt, certs=certs, audience="https://svc.example")
    assert claims["iss"] == key.client_email
    # Self-signed JWTs verify too.
    token = key.self_signed_jwt(audience="https://pubsub.googleapis.com/")
    assert google_jwt.decode(token, certs=certs, audience="https://pubsub.googleapis.com/")["sub"] == key.client_email


def private_pem_to_public_pem(private_pem: bytes) -> str:
    return public_key(private_pem).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def test_credmint_verifies_tokens_pyjwt_and_google_auth_sign(key: credmint.ServiceAccountKey, private_pem: bytes) -> None:
    now = int(time.time())
    claims = {"iss": "https://issuer.example", "aud": "https://svc.example", "iat": now, "exp": now + 600}
    by_pyjwt = pyjwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": key.key_id})
    assert credmint.verify(by_pyjwt, key.jwks(), audience="https://svc.example", issuer="https://issuer.example") == claims
    signer = google_crypt.RSASigner.from_string(private_pem.decode(), key_id=key.key_id)
    by_google = google_jwt.encode(signer, claims).decode()
    assert credmint.verify(by_google, key.jwks(), audience="https://svc.example")["exp"] == now + 600
    # PEM text and X.509-style maps work as key sources too.
    assert credmint.verify(by_pyjwt, private_pem_to_public_pem(private_pem), audience="https://svc.example")
    with pytest.raises(credmint.AudienceMismatchError):
        credmint.verify(by_pyjwt, key.jwks(), audience="https://other.example")
    expired = pyjwt.encode({**claims, "exp": now - 120}, private_pem, algorithm="RS256", headers={"kid": key.key_id})
    with pytest.raises(credmint.TokenExpiredError) as caught:
        credmint.verify(expired, key.jwks())
    assert caught.value.code == "token_expired"
    assert expired not in str(caught.value) and expired not in repr(caught.value)
    hs256 = pyjwt.encode(claims, "secret-secret-secret-secret-secret", algorithm="HS256")
    with pytest.raises(credmint.MalformedTokenError) as caught_alg:
        credmint.verify(hs256, key.jwks())
    assert caught_alg.value.code == "unsupported_algorithm"


def test_sign_blob_verifies_with_cryptography(key: credmint.ServiceAccountKey, private_pem: bytes) -> None:
    signed = key.sign_blob(b"hello")
    assert isinstance(signed.signed_blob, bytes) and len(signed.signed_blob) == 256
    public_key(private_pem).verify(signed.signed_blob, b"hello", padding.PKCS1v15(), hashes.SHA256())


def test_errors_are_typed_and_reprs_hold_no_secret(private_pem: bytes) -> None:
    info = json.loads(KEY_FILE.read_text())
    broken = {**info, "private_key": info["private_key"][:200] + "AAAA" + info["private_key"][204:]}
    with pytest.raises(credmint.InvalidKeyError) as caught:
        credmint.ServiceAccountKey.from_info(broken)
    assert caught.value.code == "invalid_key"
    body = info["private_key"].splitlines()[5]
    for text in (str(caught.value), repr(caught.value)):
        assert body not in text
    key = credmint.ServiceAccountKey.from_info(info)
    signed = key.sign_jwt({"aud": "x"})
    for shown in (repr(key), str(key), repr(signed), str(signed)):
        assert body not in shown and signed.signed_jwt not in shown
    with pytest.raises(credmint.InvalidArgumentError):
        key.sign_jwt({"aud": float("nan")})
    with pytest.raises(credmint.TokenValidationError) as caught_claims:
        key.sign_jwt({"exp": int(time.time()) + 13 * 3600})
    assert caught_claims.value.code == "lifetime_too_long"
    assert isinstance(credmint.InvalidArgumentError("x"), ValueError)
