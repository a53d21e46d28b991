"""The shared conformance vectors (tests/vectors): byte-identical outputs and
the same error codes as the Rust core, through the Python API."""

import base64
import json
from typing import Any, Dict, List

import pytest

import credmint
from conftest import VECTORS, vector_file


def load_key(reference: Dict[str, Any]) -> credmint.ServiceAccountKey:
    if "file" in reference:
        return credmint.ServiceAccountKey.from_file(VECTORS / reference["file"])
    return credmint.ServiceAccountKey.from_json(reference["text"])


def key_set_text(reference: Dict[str, Any]) -> str:
    if "file" in reference:
        return (VECTORS / reference["file"]).read_text(encoding="utf-8")
    return str(reference["text"])


def service_account_cases(name: str, ops: List[str]) -> List[Dict[str, Any]]:
    """Cases the Python API can express: service-account keys (PEM keys and
    raw JWS construction are Rust-level APIs, covered by the core's suite)."""
    return [
        case
        for case in vector_file(name)["cases"]
        if case["op"] in ops and case.get("key", {}).get("format", "service_account") == "service_account"
    ]


def expect_error(case: Dict[str, Any], call: Any) -> None:
    with pytest.raises(credmint.CredmintError) as caught:
        call()
    assert caught.value.code == case["expect"]["error"], case["name"]


@pytest.mark.parametrize("case", service_account_cases("keys.json", ["load_signing_key"]), ids=lambda c: c["name"])
def test_load_service_account_key(case: Dict[str, Any]) -> None:
    if "error" in case["expect"]:
        expect_error(case, lambda: load_key(case["key"]))
        return
    key = load_key(case["key"])
    expect = case["expect"]
    assert key.key_id == expect["key_id"]
    assert key.jwks()["keys"] == [expect["jwk"]]
    assert key.client_email == expect["client_email"]
    assert key.project_id == expect["project_id"]
    assert key.token_uri == expect["token_uri"]
    assert key.universe_domain == expect["universe_domain"]


KEY_SETS = [case for case in vector_file("keys.json")["cases"] if case["op"] == "load_key_set"]


@pytest.mark.parametrize("case", KEY_SETS, ids=lambda c: c["name"])
def test_load_key_set(case: Dict[str, Any]) -> None:
    text = key_set_text(case["keys"])
    if "error" in case["expect"]:
        expect_error(case, lambda: credmint.KeySet(text))
        return
    assert credmint.KeySet(text).jwks()["keys"] == case["expect"]["jwks"]


@pytest.mark.parametrize("case", service_account_cases("sign.json", ["sign_blob", "sign_jwt"]), ids=lambda c: c["name"])
def test_sign(case: Dict[str, Any]) -> None:
    expect = case["expect"]
    if case["op"] == "sign_blob":
        payload = base64.b64decode(case["payload_b64"])
        if "error" in expect:
            expect_error(case, lambda: load_key(case["key"]).sign_blob(payload))
            return
        signed = load_key(case["key"]).sign_blob(payload)
        assert signed.key_id == expect["key_id"]
        assert base64.b64encode(signed.signed_blob).decode() == expect["signed_blob"]
        return
    try:
        claims = json.loads(case["claims_json"])
    except ValueError:
        claims = None
    if not isinstance(claims, dict) or json.dumps(claims, separators=(",", ":")) != case["claims_json"]:
        # Exact claim text that a dict cannot carry (duplicate names, a
        # non-object, other formatting) is covered by the Rust suite.
        pytest.skip("claims text that a Python dict cannot reproduce")
    if "error" in expect:
        expect_error(case, lambda: load_key(case["key"]).sign_jwt(claims, now=case["now"]))
        return
    signed = load_key(case["key"]).sign_jwt(claims, now=case["now"])
    assert signed.key_id == expect["key_id"]
    assert signed.signed_jwt == expect["signed_jwt"]


@pytest.mark.parametrize("case", vector_file("verify.json")["cases"], ids=lambda c: c["name"])
def test_verify(case: Dict[str, Any]) -> None:
    validation = case.get("validation", {})
    unsupported = set(validation) - {"audiences", "issuers", "leeway", "max_lifetime"}
    if unsupported:
        pytest.skip(f"Rust-level validation options {sorted(unsupported)}")
    call = lambda: credmint.verify(  # noqa: E731
        case["token"],
        key_set_text(case["keys"]),
        audience=validation.get("audiences"),
        issuer=validation.get("issuers"),
        leeway=validation.get("leeway"),  # left out: the core's default
        max_lifetime=validation.get("max_lifetime"),
        now=case["now"],
    )
    if "error" in case["expect"]:
        expect_error(case, call)
        return
    assert call() == case["expect"]["claims"]


@pytest.mark.parametrize("case", service_account_cases("assertions.json", ["self_signed_jwt"]), ids=lambda c: c["name"])
def test_self_signed_jwt(case: Dict[str, Any]) -> None:
    key = load_key(case["key"])
    call = lambda: key.self_signed_jwt(  # noqa: E731
        audience=case.get("audience"), scopes=case.get("scopes"), now=case["now"]
    )
    if "error" in case["expect"]:
        expect_error(case, call)
        return
    assert call() == case["expect"]["token"]


#: The base class of each core error family (tests/vectors/errors.json).
FAMILY_CLASSES = {
    "key": credmint.InvalidKeyError,
    "token": credmint.TokenValidationError,
    "invalid_argument": credmint.InvalidArgumentError,
    "signing": credmint.SigningError,
    "transport": credmint.TransportError,
    "remote": credmint.RemoteError,
}


@pytest.mark.parametrize("case", vector_file("errors.json")["cases"], ids=lambda c: c["code"])
def test_every_code_raises_its_family(case: Dict[str, Any]) -> None:
    from credmint import _native

    with pytest.raises(credmint.CredmintError) as raised:
        _native._sample_error(case["code"])
    error = raised.value
    assert error.code == case["code"]
    assert error.family == case["family"]
    assert isinstance(error, FAMILY_CLASSES[case["family"]])
    assert error.retryable == case["retryable"]
