#!/usr/bin/env python3
"""Writes credmint's conformance vectors (tests/vectors/*.json).

Every expected token, signature and JWK is computed here with OpenSSL through
pyca/cryptography, never with credmint, so the vectors are an independent
oracle that every binding must match byte for byte.

    python3 tests/vectors/tools/generate.py          # (re)write the vectors
    python3 tests/vectors/tools/generate.py --check  # fail if they are stale

Needs: pip install cryptography.
"""

import base64
import hashlib
import hmac
import json
import sys

from fixtures import (
    KEYS, RFC7515_A2_JWK, RFC7520_JWK, SA_CLIENT_ID, SA_EMAIL, SA_KEY_ID, SA_PROJECT, VECTORS,
    Keys, b64std, b64u, canonical, ec_jwk, int_bytes, jwk, jws, jwt, jwt_header, p1363, sign,
    sign_es256_der,
)

NOW = 1_700_000_000
K = Keys()

SA = {"format": "service_account", "file": "keys/sa_2048_pkcs8.json"}
GOOGLE_SA = {"format": "service_account", "file": "keys/google_service_account.json"}
SA_JWKS = {"file": "keys/jwks_two_keys.json"}


def pem_key(name, key_id):
    return {"format": "pem", "file": f"keys/{name}", "key_id": key_id}


def inline_sa(**changes):
    info = json.loads(K.sa_json)
    for name, value in changes.items():
        if value is None:
            info.pop(name, None)
        else:
            info[name] = value
    return {"format": "service_account", "text": json.dumps(info)}


def err(code):
    return {"error": code}


def sa_jwk(key=None, kid=SA_KEY_ID):
    return jwk(key or K.sa, kid)


# ============================================================== keys.json

def key_vectors():
    cases = []

    def load(name, key, expect):
        cases.append({"name": name, "op": "load_signing_key", "key": key, "expect": expect})

    sa_ok = {
        "key_id": SA_KEY_ID, "bits": 2048, "jwk": sa_jwk(),
        "client_email": SA_EMAIL, "client_id": SA_CLIENT_ID, "project_id": SA_PROJECT,
        "token_uri": "https://oauth2.googleapis.com/token", "universe_domain": "googleapis.com",
    }
    load("service account, PKCS#8", SA, sa_ok)
    google = json.loads(K.google_json)
    load("google-auth's own fixture: PKCS#1 key, no universe_domain", GOOGLE_SA, {
        "key_id": "1", "bits": 2048, "jwk": jwk(K.google, "1"),
        "client_email": "service-account@example.com", "client_id": "1234",
        "project_id": "example-project", "token_uri": google["token_uri"],
        "universe_domain": "googleapis.com",
    })
    pem_text = json.loads(K.sa_json)["private_key"]
    load("private_key with literal \\n sequences (from an environment variable)",
         inline_sa(private_key=pem_text.replace("\n", "\\n")), sa_ok)
    load("token_uri and universe_domain from the file",
         inline_sa(token_uri="http://127.0.0.1:8080/token", universe_domain="example-tpc.goog"),
         {**sa_ok, "token_uri": "http://127.0.0.1:8080/token", "universe_domain": "example-tpc.goog"})
    load("minimal file", inline_sa(project_id=None, client_id=None, token_uri=None,
                                   universe_domain=None, auth_uri=None,
                                   auth_provider_x509_cert_url=None, client_x509_cert_url=None),
         {**sa_ok, "project_id": None, "client_id": None})
    load("type authorized_user", inline_sa(type="authorized_user"), err("invalid_key"))
    load("type missing", inline_sa(type=None), err("invalid_key"))
    load("private_key missing", inline_sa(private_key=None), err("invalid_key"))
    load("private_key_id missing", inline_sa(private_key_id=None), err("invalid_key"))
    load("client_email missing", inline_sa(client_email=None), err("invalid_key"))
    load("client_email not an email", inline_sa(client_email="not-an-email"), err("invalid_key"))
    load("private_key is a number", inline_sa(private_key=12), err("invalid_key"))
    load("private_key_id is a number", inline_sa(private_key_id=12), err("invalid_key"))
    load("private_key_id is empty", inline_sa(private_key_id=""), err("invalid_argument"))
    load("token_uri is not a URL", inline_sa(token_uri="oauth2.googleapis.com"), err("invalid_key"))
    load("private_key is garbage", inline_sa(private_key="not a pem"), err("invalid_key"))
    load("private_key base64 is corrupted",
         inline_sa(private_key=pem_text.replace("MII", "M!I", 1)), err("invalid_key"))
    load("private_key is a 1024-bit key",
         inline_sa(private_key=(KEYS / "rsa_1024_pkcs8.pem").read_text()), err("unsupported_key"))
    load("private_key is an EC key", inline_sa(private_key=K.ec), err("unsupported_key"))
    load("private_key is encrypted", inline_sa(private_key=K.encrypted), err("unsupported_key"))
    load("not JSON", {"format": "service_account", "text": "{\"type\": \"service_account\""},
         err("invalid_key"))
    load("JSON array", {"format": "service_account", "text": "[]"}, err("invalid_key"))
    dup = K.sa_json.replace('"private_key_id"', '"private_key_id": "x",\n  "private_key_id"', 1)
    load("duplicate private_key_id", {"format": "service_account", "text": dup}, err("invalid_key"))
    load("file over 64 KiB",
         {"format": "service_account", "text": K.sa_json[:-2] + ', "pad": "' + "x" * 65536 + '"}'},
         err("invalid_key"))

    def pem_ok(key, kid, bits):
        return {"key_id": kid, "bits": bits, "jwk": jwk(key, kid)}

    load("PKCS#8 3072-bit", pem_key("rsa_3072_pkcs8.pem", "k3072"), pem_ok(K.rsa_3072, "k3072", 3072))
    load("PKCS#1 4096-bit", pem_key("rsa_4096_pkcs1.pem", "k4096"), pem_ok(K.rsa_4096, "k4096", 4096))
    load("google-auth privatekey.pem (PKCS#1)", pem_key("google_privatekey.pem", "g"),
         pem_ok(K.google, "g", 2048))
    load("RFC 7515 A.2 key", pem_key("rfc7515_a2_pkcs1.pem", "a2"), pem_ok(K.rfc7515, "a2", 2048))
    load("2560-bit key: not a signing size", pem_key("rsa_2560_pkcs8.pem", "k"), err("unsupported_key"))
    load("8192-bit key: too large to sign with", pem_key("rsa_8192_pkcs8.pem", "k"), err("unsupported_key"))
    load("1024-bit key", pem_key("rsa_1024_pkcs8.pem", "k"), err("unsupported_key"))
    load("exponent 3", pem_key("rsa_2048_e3_pkcs8.pem", "k"), err("unsupported_key"))
    load("EC P-256 key", pem_key("ec_p256_pkcs8.pem", "k"), err("unsupported_key"))
    load("encrypted PKCS#8", pem_key("rsa_2048_encrypted_pkcs8.pem", "k"), err("unsupported_key"))
    load("encrypted legacy PKCS#1", pem_key("rsa_2048_encrypted_pkcs1.pem", "k"), err("unsupported_key"))
    load("modulus is not p*q", pem_key("rsa_2048_bad_modulus.pem", "k"), err("invalid_key"))
    load("CRT coefficient is wrong", pem_key("rsa_2048_bad_crt.pem", "k"), err("invalid_key"))
    load("public key given as a private key", pem_key("rsa_2048_spki.pem", "k"), err("invalid_key"))
    load("certificate given as a private key", pem_key("google_public_cert.pem", "k"), err("invalid_key"))
    other_pem = (KEYS / "rsa_2048_other_pkcs1.pem").read_text()
    load("text after the PEM block",
         {"format": "pem", "text": other_pem + "trailing\n", "key_id": "k"}, err("invalid_key"))
    load("two PEM blocks", {"format": "pem", "text": other_pem + other_pem, "key_id": "k"},
         err("invalid_key"))
    load("empty text", {"format": "pem", "text": "", "key_id": "k"}, err("invalid_key"))
    load("surrounding whitespace is fine",
         {"format": "pem", "text": "\n  " + other_pem + "\n\n", "key_id": "k"},
         pem_ok(K.other, "k", 2048))
    load("CRLF line endings", {"format": "pem", "text": other_pem.replace("\n", "\r\n"), "key_id": "k"},
         pem_ok(K.other, "k", 2048))
    load("key id over 256 bytes", pem_key("rsa_2048_other_pkcs1.pem", "k" * 257), err("invalid_argument"))
    load("key id with a control character", pem_key("rsa_2048_other_pkcs1.pem", "a\nb"),
         err("invalid_argument"))

    # ---- key sets
    def key_set(name, keys, expect):
        cases.append({"name": name, "op": "load_key_set", "keys": keys, "expect": expect})

    def jwks_text(*keys):
        return {"text": json.dumps({"keys": list(keys)})}

    two = [sa_jwk(), jwk(K.rsa_3072, "rsa-3072")]
    key_set("JWK Set with two keys", SA_JWKS, {"jwks": two})
    key_set("Google X.509 certificate map", {"file": "keys/x509_certs.json"}, {"jwks": two})
    key_set("expired google-auth certificate (dates are not checked)",
            {"file": "keys/google_public_cert.pem"}, {"jwks": [jwk(K.google)]})
    key_set("SPKI public key", {"file": "keys/rsa_2048_spki.pem"}, {"jwks": [jwk(K.sa)]})
    key_set("PKCS#1 public key", {"file": "keys/rsa_2048_pkcs1_public.pem"}, {"jwks": [jwk(K.sa)]})
    key_set("8192-bit public key verifies", {"file": "keys/rsa_8192_spki.pem"}, {"jwks": [jwk(K.rsa_8192)]})
    key_set("PEM bundle of two certificates", {"text": K.cert_sa + "\n" + K.cert_3072},
            {"jwks": [jwk(K.sa), jwk(K.rsa_3072)]})
    key_set("single JWK", {"text": json.dumps(sa_jwk())}, {"jwks": [sa_jwk()]})
    key_set("JWK without optional members", jwks_text({"kty": "RSA", "n": sa_jwk()["n"], "e": "AQAB"}),
            {"jwks": [jwk(K.sa)]})
    oct_key = {"kty": "oct", "kid": "hmac", "k": b64u(b"secret")}
    p384_key = {"kty": "EC", "kid": "p384", "crv": "P-384", "x": b64u(b"x" * 48), "y": b64u(b"y" * 48)}
    okp_key = {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": b64u(b"x" * 32)}
    key_set("symmetric, P-384 and Ed25519 keys are skipped", jwks_text(oct_key, sa_jwk(), p384_key, okp_key),
            {"jwks": [sa_jwk()]})
    ec = ec_jwk(K.ec_key, "ec-1")
    key_set("EC P-256 JWK (ES256)", jwks_text(ec), {"jwks": [ec]})
    key_set("RSA and EC keys in one set", jwks_text(sa_jwk(), ec), {"jwks": [sa_jwk(), ec]})
    key_set("EC JWK without optional members",
            jwks_text({k: ec[k] for k in ("kty", "crv", "x", "y")}), {"jwks": [ec_jwk(K.ec_key)]})
    key_set("EC JWK with use enc or alg RS256 is skipped",
            jwks_text({**ec, "use": "enc"}, {**ec, "kid": "ec-2", "alg": "RS256"}, sa_jwk()),
            {"jwks": [sa_jwk()]})
    key_set("EC point not on the curve", jwks_text({**ec, "y": b64u(b"y" * 32)}), err("invalid_key"))
    key_set("EC coordinate of 31 bytes", jwks_text({**ec, "x": b64u(b"x" * 31)}), err("invalid_key"))
    key_set("EC coordinate of 33 bytes", jwks_text({**ec, "x": b64u(b"\x00" + b"x" * 32)}), err("invalid_key"))
    key_set("EC JWK missing y", jwks_text({k: v for k, v in ec.items() if k != "y"}), err("invalid_key"))
    key_set("EC private key member d", jwks_text({**ec, "d": b64u(b"d" * 32)}), err("invalid_key"))
    key_set("EC SPKI public key", {"file": "keys/ec_p256_spki.pem"}, {"jwks": [ec_jwk(K.ec_key)]})
    key_set("P-384 SPKI public key", {"file": "keys/ec_p384_spki.pem"}, err("unsupported_key"))
    key_set("use enc, alg RS512 and key_ops without verify are skipped",
            jwks_text({**jwk(K.other, "enc"), "use": "enc"}, {**jwk(K.other, "rs512"), "alg": "RS512"},
                      {**jwk(K.other, "ops"), "key_ops": ["sign"]}, sa_jwk()),
            {"jwks": [sa_jwk()]})
    key_set("key_ops with verify is used", jwks_text({**sa_jwk(), "key_ops": ["verify"]}),
            {"jwks": [sa_jwk()]})
    key_set("only symmetric keys", jwks_text(oct_key), err("unsupported_key"))
    key_set("1024-bit key in a JWK Set", jwks_text(jwk(K.rsa_1024, "small"), sa_jwk()),
            err("unsupported_key"))
    key_set("1024-bit SPKI", {"file": "keys/rsa_1024_spki.pem"}, err("unsupported_key"))
    key_set("exponent 3 in a JWK", jwks_text({**sa_jwk(), "e": "Aw"}), err("unsupported_key"))
    key_set("n with a leading zero octet",
            jwks_text({**sa_jwk(), "n": b64u(b"\x00" + int_bytes(K.sa.public_key().public_numbers().n))}),
            err("invalid_key"))
    key_set("e with a leading zero octet", jwks_text({**sa_jwk(), "e": "AAEAAQ"}), err("invalid_key"))
    key_set("n with base64 padding", jwks_text({**sa_jwk(), "n": sa_jwk()["n"] + "="}), err("invalid_key"))
    key_set("n is a number", jwks_text({**sa_jwk(), "n": 5}), err("invalid_key"))
    key_set("e missing", jwks_text({k: v for k, v in sa_jwk().items() if k != "e"}), err("invalid_key"))
    key_set("kty missing", jwks_text({k: v for k, v in sa_jwk().items() if k != "kty"}), err("invalid_key"))
    key_set("duplicate kid", jwks_text(sa_jwk(), jwk(K.other, SA_KEY_ID)), err("invalid_key"))
    key_set("private key members in a public set", jwks_text({**sa_jwk(), "d": b64u(b"secret")}),
            err("invalid_key"))
    key_set("empty JWK Set", jwks_text(), err("invalid_key"))
    key_set("keys is not an array", {"text": '{"keys":{}}'}, err("invalid_key"))
    key_set("entry is not an object", {"text": '{"keys":["x"]}'}, err("invalid_key"))
    key_set("33 keys", jwks_text(*[jwk(K.other, f"k{i}") for i in range(33)]), err("invalid_key"))
    key_set("document over 64 KiB",
            {"text": json.dumps({"keys": [sa_jwk()], "pad": "x" * 65536})}, err("invalid_key"))
    key_set("duplicate member in the document", {"text": '{"keys":[],"keys":[' + json.dumps(sa_jwk()) + "]}"},
            err("invalid_key"))
    key_set("certificate map value is not PEM", {"text": json.dumps({"k": "nope"})}, err("invalid_key"))
    key_set("certificate map value is a number", {"text": json.dumps({"k": 1})}, err("invalid_key"))
    key_set("certificate with an EC P-256 key", {"file": "keys/cert_ec_p256.pem"}, {"jwks": [ec_jwk(K.ec_key)]})
    key_set("private key PEM is not a key set", {"file": "keys/rsa_2048_other_pkcs1.pem"}, err("invalid_key"))
    key_set("text outside PEM blocks", {"text": "Certificate:\n" + K.cert_sa}, err("invalid_key"))
    key_set("not a key set at all", {"text": "hello"}, err("invalid_key"))
    return cases


# ============================================================== sign.json

def sign_vectors():
    cases = []
    for name, key, pkey, kid in [
        ("service account", SA, K.sa, SA_KEY_ID),
        ("google-auth fixture", GOOGLE_SA, K.google, "1"),
        ("3072-bit PEM", pem_key("rsa_3072_pkcs8.pem", "k3072"), K.rsa_3072, "k3072"),
        ("4096-bit PEM", pem_key("rsa_4096_pkcs1.pem", "k4096"), K.rsa_4096, "k4096"),
    ]:
        for label, data in [("empty", b""), ("hello", b"hello"), ("1 KiB of bytes", bytes(range(256)) * 4)]:
            signature = sign(pkey, data)
            cases.append({
                "name": f"sign_blob {label}, {name}", "op": "sign_blob", "key": key,
                "payload_b64": b64std(data),
                "expect": {"key_id": kid, "signed_blob": b64std(signature),
                           "json": '{"keyId":' + json.dumps(kid) + ',"signedBlob":"' + b64std(signature) + '"}'},
            })

    def sign_jwt(name, claims_json, expect_claims=None, error=None, key=SA, pkey=K.sa, kid=SA_KEY_ID, now=NOW):
        case = {"name": name, "op": "sign_jwt", "key": key, "claims_json": claims_json, "now": now}
        if error:
            case["expect"] = err(error)
        else:
            token = jwt(pkey, kid, expect_claims)
            case["expect"] = {
                "key_id": kid, "signed_jwt": token, "claims": expect_claims,
                "json": '{"keyId":' + json.dumps(kid) + ',"signedJwt":"' + token + '"}',
            }
        cases.append(case)

    sign_jwt("exp added when absent", '{"iss":"me","sub":"you"}',
             {"iss": "me", "sub": "you", "exp": NOW + 3600})
    sign_jwt("empty claims", "{}", {"exp": NOW + 3600})
    sign_jwt("exp equal to now is accepted", f'{{"exp":{NOW}}}', {"exp": NOW})
    sign_jwt("exp 12 hours ahead is accepted", f'{{"exp":{NOW + 43200}}}', {"exp": NOW + 43200})
    sign_jwt("members are sorted and whitespace dropped",
             f'{{ "z": 1,\n "a": {{"y": [true, null, "x"], "b": -2}}, "exp": {NOW + 60} }}',
             {"z": 1, "a": {"y": [True, None, "x"], "b": -2}, "exp": NOW + 60})
    sign_jwt("unicode and escapes",
             '{"name":"Zoë \\u263a \\ud83d\\ude00","ctl":"a\\u0001\\tb\\"c\\\\","slash":"a/b"}',
             {"name": "Zoë ☺ 😀", "ctl": "a\u0001\tb\"c\\", "slash": "a/b", "exp": NOW + 3600})
    sign_jwt("google-auth key (kid 1)", '{"iss":"service-account@example.com"}',
             {"iss": "service-account@example.com", "exp": NOW + 3600}, key=GOOGLE_SA, pkey=K.google, kid="1")
    sign_jwt("exp in the past", f'{{"exp":{NOW - 1}}}', error="invalid_claims")
    sign_jwt("exp over 12 hours ahead", f'{{"exp":{NOW + 43201}}}', error="lifetime_too_long")
    sign_jwt("exp is a string", f'{{"exp":"{NOW + 60}"}}', error="invalid_claims")
    sign_jwt("exp is a float", f'{{"exp":{NOW + 60}.5}}', error="invalid_claims")
    sign_jwt("exp is null", '{"exp":null}', error="invalid_claims")
    sign_jwt("exp beyond i64", '{"exp":99999999999999999999}', error="invalid_claims")
    sign_jwt("claims are an array", "[]", error="invalid_claims")
    sign_jwt("claims are a string", '"x"', error="invalid_claims")
    sign_jwt("claims are not JSON", "{", error="invalid_claims")
    sign_jwt("duplicate claim names", '{"sub":"a","sub":"b"}', error="invalid_claims")
    sign_jwt("duplicate names in a nested object", '{"x":{"a":1,"a":2}}', error="invalid_claims")

    # Raw JWS over exact bytes: RFC 7515 A.2 and RFC 7520 §4.1 (byte-exact published signatures).
    a2_header = bytes([123, 34, 97, 108, 103, 34, 58, 34, 82, 83, 50, 53, 54, 34, 125])
    a2_payload = b'{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}'
    a2_signature = bytes([
        112, 46, 33, 137, 67, 232, 143, 209, 30, 181, 216, 45, 191, 120, 69, 243, 65, 6, 174, 27, 129, 255,
        247, 115, 17, 22, 173, 209, 113, 125, 131, 101, 109, 66, 10, 253, 60, 150, 238, 221, 115, 162, 102,
        62, 81, 102, 104, 123, 0, 11, 135, 34, 110, 1, 135, 237, 16, 115, 249, 69, 229, 130, 173, 252, 239,
        22, 216, 90, 121, 142, 232, 198, 109, 219, 61, 184, 151, 91, 23, 208, 148, 2, 190, 237, 213, 217, 217,
        112, 7, 16, 141, 178, 129, 96, 213, 248, 4, 12, 167, 68, 87, 98, 184, 31, 190, 127, 249, 217, 46, 10,
        231, 111, 36, 242, 91, 51, 187, 230, 244, 74, 230, 30, 177, 4, 10, 203, 32, 4, 77, 62, 249, 18, 142,
        212, 1, 48, 121, 91, 212, 189, 59, 65, 238, 202, 208, 102, 171, 101, 25, 129, 253, 228, 141, 247, 127,
        55, 45, 195, 139, 159, 175, 221, 59, 239, 177, 139, 93, 163, 204, 60, 46, 176, 47, 158, 58, 65, 214,
        18, 202, 173, 21, 145, 18, 115, 160, 95, 35, 185, 232, 56, 250, 175, 132, 157, 105, 132, 41, 239, 90,
        30, 136, 121, 130, 54, 195, 212, 14, 96, 69, 34, 165, 68, 200, 242, 122, 122, 45, 184, 6, 99, 209, 108,
        247, 202, 234, 86, 222, 64, 92, 178, 33, 90, 69, 178, 194, 85, 102, 181, 90, 193, 167, 72, 160, 112,
        223, 200, 163, 42, 70, 149, 67, 208, 25, 238, 251, 71])
    a2_input = b64u(a2_header) + "." + b64u(a2_payload)
    assert sign(K.rfc7515, a2_input.encode()) == a2_signature, "OpenSSL disagrees with RFC 7515 A.2"
    cases.append({
        "name": "RFC 7515 Appendix A.2", "op": "sign_jws", "key": pem_key("rfc7515_a2_pkcs1.pem", "a2"),
        "protected_header_b64url": b64u(a2_header), "payload_b64url": b64u(a2_payload),
        "expect": {"jws": a2_input + "." + b64u(a2_signature)},
    })
    r4_header = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9"
    r4_payload = ("SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0"
                  "aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91"
                  "IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4")
    r4_signature = ("MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7P"
                    "NDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9e"
                    "Ro4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4"
                    "uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg")
    assert b64u(sign(K.rfc7520, (r4_header + "." + r4_payload).encode())) == r4_signature
    cases.append({
        "name": "RFC 7520 section 4.1", "op": "sign_jws",
        "key": pem_key("rfc7520_bilbo_pkcs8.pem", "bilbo.baggins@hobbiton.example"),
        "protected_header_b64url": r4_header, "payload_b64url": r4_payload,
        "expect": {"jws": f"{r4_header}.{r4_payload}.{r4_signature}"},
    })
    cases.append({
        "name": "sign_jws refuses alg none", "op": "sign_jws", "key": pem_key("rfc7515_a2_pkcs1.pem", "a2"),
        "protected_header_b64url": b64u(b'{"alg":"none"}'), "payload_b64url": b64u(b"{}"),
        "expect": err("invalid_argument"),
    })

    # External signing: the signing input goes out, a signature comes back.
    claims = {"iss": "me", "exp": NOW + 600}
    signing_input = b64u(jwt_header(SA_KEY_ID).encode()) + "." + b64u(canonical(claims).encode())
    signature = sign(K.sa, signing_input.encode())
    cases.append({
        "name": "external signer", "op": "external_sign", "key_id": SA_KEY_ID,
        "claims_json": '{"exp":1700000600,"iss":"me"}', "signature_b64url": b64u(signature),
        "expect": {"signing_input": signing_input, "token": signing_input + "." + b64u(signature)},
    })
    cases.append({
        "name": "external signer returns a short signature", "op": "external_sign", "key_id": SA_KEY_ID,
        "claims_json": "{}", "signature_b64url": b64u(b"\x01" * 64), "expect": err("invalid_argument"),
    })
    return cases


# ============================================================== assertions.json

def assertion_vectors():
    cases = []
    token_uri = "https://oauth2.googleapis.com/token"
    cloud = "https://www.googleapis.com/auth/cloud-platform"

    def add(name, op, params, claims=None, error=None, key=SA, pkey=K.sa, kid=SA_KEY_ID):
        case = {"name": name, "op": op, "key": key, "now": NOW, **params}
        case["expect"] = err(error) if error else {"claims": claims, "token": jwt(pkey, kid, claims)}
        cases.append(case)

    iat = NOW - 10
    add("JWT-bearer grant", "jwt_bearer", {"scopes": [cloud]},
        {"iss": SA_EMAIL, "scope": cloud, "aud": token_uri, "iat": iat, "exp": iat + 3600})
    add("JWT-bearer with two scopes and a subject", "jwt_bearer",
        {"scopes": [cloud, "openid"], "subject": "user@example.com"},
        {"iss": SA_EMAIL, "scope": cloud + " openid", "aud": token_uri, "sub": "user@example.com",
         "iat": iat, "exp": iat + 3600})
    add("JWT-bearer to another endpoint, 10 minutes", "jwt_bearer",
        {"scopes": [cloud], "audience": "http://127.0.0.1:8080/token", "lifetime": 600},
        {"iss": SA_EMAIL, "scope": cloud, "aud": "http://127.0.0.1:8080/token", "iat": iat, "exp": iat + 600})
    add("JWT-bearer with google-auth's key", "jwt_bearer", {"scopes": [cloud]},
        {"iss": "service-account@example.com", "scope": cloud,
         "aud": "https://accounts.google.com/o/oauth2/token", "iat": iat, "exp": iat + 3600},
        key=GOOGLE_SA, pkey=K.google, kid="1")
    add("JWT-bearer without scopes", "jwt_bearer", {"scopes": []}, error="invalid_argument")
    add("JWT-bearer scope with a space", "jwt_bearer", {"scopes": ["a b"]}, error="invalid_argument")
    add("JWT-bearer lifetime over an hour", "jwt_bearer", {"scopes": [cloud], "lifetime": 3601},
        error="invalid_argument")
    add("JWT-bearer lifetime zero", "jwt_bearer", {"scopes": [cloud], "lifetime": 0}, error="invalid_argument")
    add("ID-token grant", "id_token_assertion", {"target_audience": "https://svc.example.run.app"},
        {"iss": SA_EMAIL, "aud": token_uri, "target_audience": "https://svc.example.run.app",
         "iat": iat, "exp": iat + 3600})
    add("ID-token grant without audience", "id_token_assertion", {"target_audience": ""},
        error="invalid_argument")
    add("self-signed JWT for an API audience", "self_signed_jwt",
        {"audience": "https://pubsub.googleapis.com/"},
        {"iss": SA_EMAIL, "sub": SA_EMAIL, "aud": "https://pubsub.googleapis.com/", "iat": NOW, "exp": NOW + 3600})
    add("self-signed JWT with scopes", "self_signed_jwt", {"scopes": [cloud]},
        {"iss": SA_EMAIL, "sub": SA_EMAIL, "scope": cloud, "iat": NOW, "exp": NOW + 3600})
    add("self-signed JWT with an empty audience", "self_signed_jwt", {"audience": ""},
        error="invalid_argument")
    add("self-signed JWT with both audience and scopes", "self_signed_jwt",
        {"audience": "https://pubsub.googleapis.com/", "scopes": [cloud]}, error="invalid_argument")
    add("self-signed JWT with neither audience nor scopes", "self_signed_jwt", {}, error="invalid_argument")
    add("OIDC ID token with email", "oidc_id_token",
        {"issuer": "https://accounts.google.com", "subject": SA_CLIENT_ID,
         "audience": "https://svc.example.run.app", "email": SA_EMAIL},
        {"iss": "https://accounts.google.com", "sub": SA_CLIENT_ID, "aud": "https://svc.example.run.app",
         "email": SA_EMAIL, "email_verified": True, "iat": NOW, "exp": NOW + 3600})
    add("OIDC ID token, 12 hours", "oidc_id_token",
        {"issuer": "https://issuer.example", "subject": "s", "audience": "a", "lifetime": 43200},
        {"iss": "https://issuer.example", "sub": "s", "aud": "a", "iat": NOW, "exp": NOW + 43200})
    add("OIDC ID token over 12 hours", "oidc_id_token",
        {"issuer": "i", "subject": "s", "audience": "a", "lifetime": 43201}, error="invalid_argument")
    return cases


# ============================================================== verify.json

def verify_vectors():
    cases = []
    exp = NOW + 600
    good_claims = {"iss": "https://issuer.example", "aud": "https://svc.example", "sub": "123",
                   "iat": NOW - 60, "exp": exp}
    good = jwt(K.sa, SA_KEY_ID, good_claims)
    strict = {"audiences": ["https://svc.example"], "issuers": ["https://issuer.example"],
              "leeway": 60, "max_lifetime": 3600}

    def add(name, token, expect, keys=SA_JWKS, validation=None, now=NOW):
        cases.append({"name": name, "token": token, "keys": keys, "validation": validation or {},
                      "now": now, "expect": expect})

    def ok(claims):
        return {"claims": claims}

    add("valid token, all checks", good, ok(good_claims), validation=strict)
    add("valid token, no optional checks", good, ok(good_claims))
    add("certificate map key set", good, ok(good_claims), keys={"file": "keys/x509_certs.json"})
    add("PEM public key without kid matches any kid", good, ok(good_claims), keys={"file": "keys/rsa_2048_spki.pem"})
    add("3072-bit key", jwt(K.rsa_3072, "rsa-3072", good_claims), ok(good_claims))
    big = jwt(K.rsa_8192, "big", good_claims)
    add("8192-bit key", big, ok(good_claims), keys={"file": "keys/rsa_8192_spki.pem"})
    g_claims = {"iss": "service-account@example.com", "exp": exp}
    add("google-auth key with its expired certificate", jwt(K.google, "1", g_claims), ok(g_claims),
        keys={"text": json.dumps({"1": K.google_cert})})
    a2 = ("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
          + b64u(sign(K.rfc7515, b"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ")))
    a2_keys = {"text": json.dumps({"kty": "RSA", "n": RFC7515_A2_JWK["n"], "e": "AQAB"})}
    add("RFC 7515 A.2 (no kid, CRLF in payload)", a2,
        ok({"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}), keys=a2_keys, now=1300819370)
    add("RFC 7515 A.2 after exp", a2, err("token_expired"), keys=a2_keys, now=1300819440)
    r7520 = ("eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
             "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0"
             "aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91"
             "IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4."
             "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7P"
             "NDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9e"
             "Ro4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4"
             "uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg")
    bilbo = {"text": json.dumps({k: RFC7520_JWK[k] for k in ("kty", "kid", "n", "e")} | {"use": "sig"})}
    add("RFC 7520 4.1: signature verifies, payload is not a claims set", r7520, err("malformed_token"), keys=bilbo)

    # --- 2.1 structure and encoding
    h, p, s = good.split(".")
    add("one segment", h, err("malformed_token"))
    add("two segments", f"{h}.{p}", err("malformed_token"))
    add("four segments", f"{good}.{s}", err("malformed_token"))
    add("five segments (JWE)", f"{h}.{p}.{s}.{s}.{s}", err("malformed_token"))
    add("empty token", "", err("malformed_token"))
    add("empty signature", f"{h}.{p}.", err("malformed_token"))
    add("empty header", f".{p}.{s}", err("malformed_token"))
    add("empty payload", f"{h}..{s}", err("malformed_token"))
    add("trailing dot", good + ".", err("malformed_token"))
    add("JSON serialization", json.dumps({"payload": p, "protected": h, "signature": s}), err("malformed_token"))
    add("base64 padding", f"{h}==.{p}.{s}", err("malformed_token"))
    std_sig = base64.b64encode(base64.urlsafe_b64decode(s + "==")).decode().rstrip("=")
    if std_sig != s:
        add("standard base64 alphabet in signature", f"{h}.{p}.{std_sig}", err("malformed_token"))
    add("leading space", " " + good, err("malformed_token"))
    add("trailing newline", good + "\n", err("malformed_token"))
    add("newline inside", f"{h}.\n{p}.{s}", err("malformed_token"))
    add("non-alphabet character", f"{h}.{p}.{s[:-1]}!", err("malformed_token"))
    last = s[-1]
    sig_bits = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    assert b64u(sig_bits) == s
    # 256-byte signature: 342 chars, the last carries 4 unused bits; set one of them.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    bumped = alphabet[alphabet.index(last) + 1]
    add("non-canonical trailing bits", f"{h}.{p}.{s[:-1]}{bumped}", err("malformed_token"))
    extra = "A" * ((1 - len(s)) % 4)
    assert (len(s) + len(extra)) % 4 == 1
    add("segment length 1 mod 4", f"{h}.{p}.{s}{extra}", err("malformed_token"))
    add("over 16 KiB", jwt(K.sa, SA_KEY_ID, {**good_claims, "pad": "x" * 16384}), err("malformed_token"))
    add("larger token allowed by max_token_size", jwt(K.sa, SA_KEY_ID, {**good_claims, "pad": "x" * 16384}),
        ok({**good_claims, "pad": "x" * 16384}), validation={"max_token_size": 32768})

    def raw(header: str, payload: str, key=K.sa):
        return jws(key, header, payload)

    hdr = jwt_header(SA_KEY_ID)
    claims_text = canonical(good_claims)
    add("header with a BOM", raw("\ufeff" + hdr, claims_text), err("malformed_token"))
    add("header is an array", raw('["RS256"]', claims_text), err("malformed_token"))
    add("header is not JSON", raw("{alg:RS256}", claims_text), err("malformed_token"))
    add("payload is an array", raw(hdr, "[1]"), err("malformed_token"))
    add("payload has a BOM", raw(hdr, "\ufeff" + claims_text), err("malformed_token"))
    signing_input = b64u(hdr.encode()) + "." + b64u(b'{"exp":%d,"x":"\xff"}' % exp)
    add("payload is not UTF-8", signing_input + "." + b64u(sign(K.sa, signing_input.encode())), err("malformed_token"))
    add("payload has a lone surrogate", raw(hdr, claims_text[:-1] + ',"x":"\\ud800"}'), err("malformed_token"))
    add("payload has a comment", raw(hdr, claims_text[:-1] + "/* c */}"), err("malformed_token"))
    add("payload has a single-quoted string", raw(hdr, claims_text[:-1] + ",'x':1}"), err("malformed_token"))
    add("payload has NaN", raw(hdr, claims_text[:-1] + ',"x":NaN}'), err("malformed_token"))
    add("payload has a leading zero number", raw(hdr, claims_text[:-1] + ',"x":01}'), err("malformed_token"))
    add("payload has trailing garbage", raw(hdr, claims_text + "x"), err("malformed_token"))
    add("payload has duplicate exp", raw(hdr, claims_text[:-1] + f',"exp":{exp + 999}}}'), err("malformed_token"))
    add("payload nested 200 deep", raw(hdr, claims_text[:-1] + ',"x":' + "[" * 200 + "]" * 200 + "}"),
        err("malformed_token"))
    add("payload trailing whitespace is fine", raw(hdr, claims_text + " \n"), ok(good_claims))

    # --- 2.2 algorithm and header
    def hdr_with(**members):
        base = {"alg": "RS256", "typ": "JWT", "kid": SA_KEY_ID}
        base.update(members)
        return json.dumps({k: v for k, v in base.items() if v is not None}, separators=(",", ":"))

    add("alg none with a signature", raw(hdr_with(alg="none"), claims_text), err("unsupported_algorithm"))
    add("alg none with an empty signature",
        b64u(hdr_with(alg="none").encode()) + "." + b64u(claims_text.encode()) + ".", err("malformed_token"))
    add("alg missing", raw(hdr_with(alg=None), claims_text), err("malformed_token"))
    add("alg null", raw('{"alg":null,"kid":"%s"}' % SA_KEY_ID, claims_text), err("malformed_token"))
    add("alg is a number", raw('{"alg":256,"kid":"%s"}' % SA_KEY_ID, claims_text), err("malformed_token"))
    add("alg in lower case", raw(hdr_with(alg="rs256"), claims_text), err("unsupported_algorithm"))
    public_pem = (KEYS / "rsa_2048_spki.pem").read_bytes()
    hs_input = b64u(hdr_with(alg="HS256").encode()) + "." + b64u(claims_text.encode())
    hs_token = hs_input + "." + b64u(hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest())
    add("HS256 signed with the public key PEM (key confusion)", hs_token, err("unsupported_algorithm"))
    for alg in ("RS384", "RS512", "PS256", "ES384", "ES512", "EdDSA"):
        add(f"alg {alg}", raw(hdr_with(alg=alg), claims_text), err("unsupported_algorithm"))
    add("alg es256 in lower case", raw(hdr_with(alg="es256"), claims_text), err("unsupported_algorithm"))

    # --- ES256 (ECDSA P-256 SHA-256, the signature as 64 bytes r||s)
    ec = ec_jwk(K.ec_key, "ec-1")
    ec_keys = {"text": json.dumps({"keys": [ec]})}
    mixed = {"text": json.dumps({"keys": [sa_jwk(), ec]})}

    def es256(header: str, payload: str) -> str:
        return jws(K.ec_key, header, payload)

    es_hdr = '{"alg":"ES256","typ":"JWT","kid":"ec-1"}'
    es_good = es256(es_hdr, claims_text)
    add("ES256 token, all checks", es_good, ok(good_claims), keys=ec_keys, validation=strict)
    add("ES256 token in a set with RSA keys", es_good, ok(good_claims), keys=mixed)
    add("RS256 token in a set with EC keys", good, ok(good_claims), keys=mixed)
    add("ES256 token with the SPKI key (no kid)", es_good, ok(good_claims), keys={"file": "keys/ec_p256_spki.pem"})
    add("ES256 token with the certificate key", es_good, ok(good_claims), keys={"file": "keys/cert_ec_p256.pem"})
    add("ES256 token expired", es256(es_hdr, canonical({**good_claims, "exp": NOW - 61})), err("token_expired"),
        keys=ec_keys)
    add("ES256 header naming an RSA key (algorithm confusion)",
        raw('{"alg":"ES256","typ":"JWT","kid":"%s"}' % SA_KEY_ID, claims_text), err("key_not_found"), keys=mixed)
    add("RS256 header naming an EC key (algorithm confusion)",
        raw(jwt_header("ec-1"), claims_text), err("key_not_found"), keys=mixed)
    add("ES256 token against RSA keys only", es_good, err("key_not_found"))
    es_input = b64u(es_hdr.encode()) + "." + b64u(claims_text.encode())
    der = sign_es256_der(K.ec_key, es_input.encode())
    add("ES256 signature in DER form", es_input + "." + b64u(der), err("signature_invalid"), keys=ec_keys)
    rs = p1363(der)
    add("ES256 signature of 65 bytes", es_input + "." + b64u(rs + b"\x00"), err("signature_invalid"), keys=ec_keys)
    add("ES256 signature of 63 bytes", es_input + "." + b64u(rs[1:]), err("signature_invalid"), keys=ec_keys)
    add("ES256 signature with r and s swapped", es_input + "." + b64u(rs[32:] + rs[:32]),
        err("signature_invalid"), keys=ec_keys)
    add("ES256 signature over other claims",
        b64u(es_hdr.encode()) + "." + b64u(canonical({**good_claims, "sub": "456"}).encode()) + "." + b64u(rs),
        err("signature_invalid"), keys=ec_keys)
    add("duplicate alg in header", raw('{"alg":"RS256","alg":"none","kid":"%s"}' % SA_KEY_ID, claims_text),
        err("malformed_token"))
    add("crit present", raw(hdr_with(crit=["exp"], exp=1), claims_text), err("malformed_token"))
    add("crit empty", raw(hdr_with(crit=[]), claims_text), err("malformed_token"))
    add("b64 false (RFC 7797)", raw(hdr_with(b64=False, crit=["b64"]), claims_text), err("malformed_token"))
    add("cty JWT (nested)", raw(hdr_with(cty="JWT"), claims_text), err("malformed_token"))
    add("zip (compressed)", raw(hdr_with(zip="DEF"), claims_text), err("malformed_token"))
    attacker_jwk = jwk(K.other)
    add("embedded jwk of the attacker's key is ignored",
        raw(hdr_with(kid=None, jwk=attacker_jwk), claims_text, key=K.other), err("signature_invalid"),
        keys={"file": "keys/rsa_2048_spki.pem"})
    add("jku and x5u are never fetched",
        raw(hdr_with(jku="https://attacker.example/jwks", x5u="https://attacker.example/cert"), claims_text,
            key=K.other), err("signature_invalid"))
    add("x5c of the attacker is ignored",
        raw(hdr_with(x5c=["MIIB"], x5t="AAAA"), claims_text, key=K.other), err("signature_invalid"))
    add("unknown kid", raw(hdr_with(kid="nope"), claims_text), err("key_not_found"))
    add("kid with path characters", raw(hdr_with(kid="../../etc/passwd"), claims_text), err("key_not_found"))
    add("kid is a number", raw(hdr_with(kid=7), claims_text), err("malformed_token"))
    add("kid over 256 bytes", raw(hdr_with(kid="k" * 257), claims_text), err("malformed_token"))
    add("no kid and two keys", raw(hdr_with(kid=None), claims_text), err("key_not_found"))
    add("no kid and one key", raw(hdr_with(kid=None), claims_text), ok(good_claims),
        keys={"file": "keys/rsa_2048_spki.pem"})
    add("typ required and present", good, ok(good_claims), validation={"typ": "jwt"})
    add("typ required and absent", raw(hdr_with(typ=None), claims_text), err("malformed_token"),
        validation={"typ": "JWT"})
    add("typ required and different", raw(hdr_with(typ="at+jwt"), claims_text), err("malformed_token"),
        validation={"typ": "JWT"})
    add("typ is a number", raw(hdr_with(typ=1), claims_text), err("malformed_token"))

    # --- 2.3 signature
    sig = base64.urlsafe_b64decode(s + "==")
    add("signed by another key", jwt(K.other, SA_KEY_ID, good_claims), err("signature_invalid"))
    add("signature truncated by one byte", f"{h}.{p}.{b64u(sig[:-1])}", err("signature_invalid"))
    add("signature with a leading zero stripped", f"{h}.{p}.{b64u(sig[1:])}", err("signature_invalid"))
    zero_prefixed = b64u(b"\x00" + sig)
    add("signature with a zero prepended", f"{h}.{p}.{zero_prefixed}", err("signature_invalid"))
    add("signature with a flipped bit", f"{h}.{p}.{b64u(sig[:-1] + bytes([sig[-1] ^ 1]))}", err("signature_invalid"))
    add("signature of zeros", f"{h}.{p}.{b64u(bytes(256))}", err("signature_invalid"))
    n = K.sa.public_key().public_numbers().n
    add("signature of one", f"{h}.{p}.{b64u((1).to_bytes(256, 'big'))}", err("signature_invalid"))
    add("signature equal to n", f"{h}.{p}.{b64u(n.to_bytes(256, 'big'))}", err("signature_invalid"))
    add("signature equal to n - 1", f"{h}.{p}.{b64u((n - 1).to_bytes(256, 'big'))}", err("signature_invalid"))
    add("payload changed after signing", f"{h}.{b64u(canonical({**good_claims, 'sub': '124'}).encode())}.{s}",
        err("signature_invalid"))
    expired_claims = {**good_claims, "exp": NOW - 3600}
    eh, ep, _ = jwt(K.sa, SA_KEY_ID, expired_claims).split(".")
    add("bad signature is reported before expiry", f"{eh}.{ep}.{s}", err("signature_invalid"))

    # --- 2.4 claims and time
    def claims_case(name, claims, expect, validation=None, now=NOW):
        add(name, jwt(K.sa, SA_KEY_ID, claims), expect, validation=validation, now=now)

    zero = {"leeway": 0}
    claims_case("exp one second ahead, no leeway", {"exp": NOW + 1}, ok({"exp": NOW + 1}), zero)
    claims_case("exp equal to now, no leeway", {"exp": NOW}, err("token_expired"), zero)
    claims_case("exp 59 s ago, 60 s leeway", {"exp": NOW - 59}, ok({"exp": NOW - 59}))
    claims_case("exp 60 s ago, 60 s leeway", {"exp": NOW - 60}, err("token_expired"))
    claims_case("exp 300 s ago, 300 s leeway", {"exp": NOW - 299}, ok({"exp": NOW - 299}), {"leeway": 300})
    claims_case("exp missing", {"iss": "x"}, err("invalid_claims"))
    for label, value in [("a string", str(exp)), ("null", None), ("true", True), ("an array", [exp]),
                         ("a float", exp + 0.5), ("negative", -1)]:
        claims_case(f"exp is {label}", {"exp": value}, err("invalid_claims"))
    add("exp beyond i64", raw(hdr, '{"exp":99999999999999999999}'), err("invalid_claims"))
    add("exp 1e400", raw(hdr, '{"exp":1e400}'), err("malformed_token"))
    add("exp is i64::MAX", raw(hdr, '{"exp":9223372036854775807}'), ok({"exp": 9223372036854775807}))
    add("exp is i64::MAX with maximum leeway", raw(hdr, '{"exp":9223372036854775807}'),
        ok({"exp": 9223372036854775807}), validation={"leeway": 300}, now=9223372036854775807)
    claims_case("exp zero", {"exp": 0}, err("token_expired"))
    claims_case("nbf 60 s ahead, 60 s leeway", {"exp": exp, "nbf": NOW + 60}, ok({"exp": exp, "nbf": NOW + 60}))
    claims_case("nbf 61 s ahead", {"exp": exp, "nbf": NOW + 61}, err("token_not_yet_valid"))
    claims_case("nbf ahead, no leeway", {"exp": exp, "nbf": NOW + 1}, err("token_not_yet_valid"), zero)
    claims_case("nbf is a string", {"exp": exp, "nbf": str(NOW)}, err("invalid_claims"))
    claims_case("iat 61 s ahead", {"exp": exp, "iat": NOW + 61}, err("token_issued_in_future"))
    claims_case("iat is a float", {"exp": exp, "iat": NOW + 0.5}, err("invalid_claims"))
    claims_case("lifetime at the maximum", {"exp": NOW + 3000, "iat": NOW - 600},
                ok({"exp": NOW + 3000, "iat": NOW - 600}), {"max_lifetime": 3600})
    claims_case("lifetime over the maximum", {"exp": NOW + 3001, "iat": NOW - 600}, err("lifetime_too_long"),
                {"max_lifetime": 3600})
    claims_case("lifetime checked but iat missing", {"exp": exp}, err("invalid_claims"), {"max_lifetime": 3600})
    aud = {"audiences": ["https://svc.example", "https://other.example"]}
    claims_case("aud string matches", {"exp": exp, "aud": "https://other.example"},
                ok({"exp": exp, "aud": "https://other.example"}), aud)
    claims_case("aud array contains", {"exp": exp, "aud": ["x", "https://svc.example"]},
                ok({"exp": exp, "aud": ["x", "https://svc.example"]}), aud)
    claims_case("aud mismatch", {"exp": exp, "aud": "https://svc.example/"}, err("audience_mismatch"), aud)
    claims_case("aud missing", {"exp": exp}, err("audience_mismatch"), aud)
    claims_case("aud empty array", {"exp": exp, "aud": []}, err("audience_mismatch"), aud)
    claims_case("aud array with a number", {"exp": exp, "aud": ["https://svc.example", 1]},
                err("invalid_claims"), aud)
    claims_case("aud is an object", {"exp": exp, "aud": {"a": 1}}, err("invalid_claims"))
    iss = {"issuers": ["https://accounts.google.com", "accounts.google.com"]}
    claims_case("iss matches the second issuer", {"exp": exp, "iss": "accounts.google.com"},
                ok({"exp": exp, "iss": "accounts.google.com"}), iss)
    claims_case("iss mismatch", {"exp": exp, "iss": "https://accounts.google.com/"}, err("issuer_mismatch"), iss)
    claims_case("iss missing", {"exp": exp}, err("issuer_mismatch"), iss)
    claims_case("iss is a number", {"exp": exp, "iss": 1}, err("invalid_claims"))
    claims_case("sub is a number", {"exp": exp, "sub": 1}, err("invalid_claims"))
    claims_case("unicode claims", {"exp": exp, "name": "Zoë ☺"}, ok({"exp": exp, "name": "Zoë ☺"}))
    claims_case("leeway over the maximum", {"exp": exp}, err("invalid_argument"), {"leeway": 301})
    claims_case("max_lifetime zero", {"exp": exp, "iat": NOW}, err("invalid_argument"), {"max_lifetime": 0})
    return cases


# ============================================================== refresh.json

def refresh_vectors():
    cases = []

    def add(name, policy, obtained, expires, nows):
        if policy == "google":
            refresh_before, expired_before = 225, 0
            refresh_at = max(obtained, expires - refresh_before)
        elif policy == "ibm":
            expired_before = 10
            refresh_at = max(obtained, obtained + (expires - obtained) * 80 // 100)
        elif policy == "metadata":
            refresh_before, expired_before = 240, 10
            refresh_at = max(obtained, expires - refresh_before)
        else:
            refresh_before, expired_before = policy["margin"]["refresh_before"], policy["margin"]["expired_before"]
            refresh_at = max(obtained, expires - refresh_before)
        checks = [{"now": now, "expires_soon": now >= refresh_at, "is_expired": now >= expires - expired_before}
                  for now in nows]
        cases.append({"name": name, "policy": policy, "obtained_at": obtained, "expires_at": expires,
                      "expect": {"refresh_at": refresh_at, "checks": checks}})

    add("google, one-hour token", "google", NOW, NOW + 3600,
        [NOW, NOW + 3374, NOW + 3375, NOW + 3599, NOW + 3600])
    add("google, 3-minute token refreshes at once", "google", NOW, NOW + 180, [NOW, NOW + 179, NOW + 180])
    add("ibm, seed 002 token", "ibm", 1473184753, 1473188353,
        [1473184753 + 2879, 1473184753 + 2880, 1473188342, 1473188343])
    add("ibm, 100-second token", "ibm", NOW, NOW + 100, [NOW + 79, NOW + 80, NOW + 89, NOW + 90])
    add("metadata server, 5-minute token it cached itself", "metadata", NOW, NOW + 300,
        [NOW, NOW + 59, NOW + 60, NOW + 289, NOW + 290])
    add("metadata server, one-hour token", "metadata", NOW, NOW + 3600, [NOW + 3359, NOW + 3360, NOW + 3590])
    add("custom margin", {"margin": {"refresh_before": 60, "expired_before": 20}}, NOW, NOW + 600,
        [NOW + 539, NOW + 540, NOW + 579, NOW + 580])
    return cases


# ============================================================== conversations

def flow_vectors():
    import conversations
    import crosscheck

    builder = conversations.Builder(K)
    cases = builder.build()
    first_send = lambda name: next(c for c in cases if c["name"] == name)["steps"][0]["expect"]["send"]
    crosscheck.jwt_bearer(first_send("JWT-bearer grant: access token"), conversations.TOKEN_URI)
    crosscheck.iam_generate_access_token(builder.iam_access_request["send"], conversations.TARGET,
                                         conversations.DELEGATE, [conversations.CLOUD])
    crosscheck.sts_exchange(builder.sts_first_request["send"],
                            "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/"
                            "providers/gh", [conversations.CLOUD], "eyJ.subject.token")
    crosscheck.iam_sign_blob(first_send("IAM signBlob"), conversations.TARGET, conversations.DELEGATE, b"hello")
    crosscheck.iam_generate_id_token(first_send("IAM generateIdToken with includeEmail"), conversations.TARGET,
                                     "https://svc.example.run.app", True)
    crosscheck.ibm_api_key(builder.ibm_request["send"], "MY_APIKEY")
    ibm_client = first_send("IBM with a client id and secret, and a scope")
    crosscheck.basic_auth_matches_requests("bx", "bx", crosscheck.header(ibm_client, "Authorization"))
    return cases


def cache_vectors():
    import conversations

    return conversations.cache_vectors()


# ============================================================== errors.json

#: Every stable error code and its family (what a caller does about it). Each
#: binding raises each code (the conformance `sample_error`) and checks that its
#: error type says this family.
ERROR_FAMILIES = {
    "key": ["invalid_key", "unsupported_key"],
    "token": ["malformed_token", "unsupported_algorithm", "signature_invalid", "key_not_found", "token_expired",
              "token_not_yet_valid", "token_issued_in_future", "lifetime_too_long", "audience_mismatch",
              "issuer_mismatch", "invalid_claims"],
    "invalid_argument": ["invalid_argument", "credentials_not_found", "not_supported"],
    "signing": ["signing_failed"],
    "transport": ["transport_error"],
    "remote": ["credential_rejected", "unauthenticated", "permission_denied", "not_found", "rate_limited",
               "server_error", "remote_error", "invalid_response"],
}

#: The codes whose errors a caller may retry (the rest: fix something first).
RETRYABLE = {"rate_limited", "server_error", "transport_error"}


def error_vectors():
    return [{"code": code, "family": family, "retryable": code in RETRYABLE}
            for family, codes in ERROR_FAMILIES.items() for code in codes]


# ============================================================== main

FILES = {
    "keys.json": ("Loading signing keys and key sets.", key_vectors),
    "sign.json": ("IAM-style signBlob/signJwt, raw JWS and external signing.", sign_vectors),
    "assertions.json": ("Claim builders: JWT-bearer, ID-token grant, self-signed JWT, OIDC ID token.",
                        assertion_vectors),
    "verify.json": ("RS256 and ES256 JWT verification: structure, header, key selection, signature, claims.", verify_vectors),
    "refresh.json": ("Refresh timing policies.", refresh_vectors),
    "flows.json": ("Scripted conversations: exact requests, responses, waits, signatures, results and errors.",
                   flow_vectors),
    "cache.json": ("Token cache decisions over time.", cache_vectors),
    "credentials.json": ("Credential documents of every type: what they are, the conversations they start, "
                         "and each way of being invalid.", lambda: credential_vectors.credential_vectors()),
    "adc.json": ("Application Default Credentials: environment, files and metadata answers in; the chosen "
                 "source or the error out.", lambda: credential_vectors.adc_vectors()),
    "shared.json": ("Shared token caches: cache keys, sealed entries, misses and the lease protocol.",
                    lambda: shared_vectors.shared_vectors()),
    "errors.json": ("Every stable error code, its family (the error type each binding raises) and whether it "
                    "is retryable.", error_vectors),
}


import credential_vectors  # noqa: E402  (beside this file)
import shared_vectors  # noqa: E402


def render(description, cases):
    return json.dumps({"description": description, "cases": cases}, indent=1, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, (description, build) in FILES.items():
        text = render(description, build())
        path = VECTORS / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print("stale vectors (run tests/vectors/tools/generate.py):", ", ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
