"""Key fixtures for credmint's vectors, and the OpenSSL-backed helpers that sign with them.

Keys are generated once (random) and committed; everything derived from them
is deterministic. Nothing here uses credmint: expected outputs come from
OpenSSL through pyca/cryptography, so the vectors are an independent oracle.
"""

import base64
import datetime
import json
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

VECTORS = pathlib.Path(__file__).resolve().parent.parent
KEYS = VECTORS / "keys"

SA_EMAIL = "credmint-test@credmint-vectors.iam.gserviceaccount.com"
SA_KEY_ID = "7f3c1a9e2b4d6f8091a2b3c4d5e6f708192a3b4c"
SA_CLIENT_ID = "104729361520498571234"
SA_PROJECT = "credmint-vectors"


# ---------------------------------------------------------------- encodings

def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64std(data: bytes) -> str:
    return base64.b64encode(data).decode()


def canonical(obj) -> str:
    """The JSON credmint writes: compact, members sorted at every depth, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def jwt_header(kid: str) -> str:
    return '{"alg":"RS256","typ":"JWT","kid":' + json.dumps(kid, ensure_ascii=False) + "}"


def int_bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def der_int(n: int) -> bytes:
    body = n.to_bytes(n.bit_length() // 8 + 1, "big")
    return b"\x02" + der_len(len(body)) + body


def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = int_bytes(n)
    return bytes([0x80 | len(octets)]) + octets


def der_seq(*items: bytes) -> bytes:
    body = b"".join(items)
    return b"\x30" + der_len(len(body)) + body


def pem(label: str, der: bytes) -> str:
    text = base64.b64encode(der).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


# ---------------------------------------------------------------- keys

def _write_once(name: str, make) -> str:
    path = KEYS / name
    if not path.exists():
        path.write_text(make())
    return path.read_text()


def _pkcs8(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _pkcs1(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def _rsa(bits: int, e: int = 65537):
    return rsa.generate_private_key(public_exponent=e, key_size=bits)


def load_private(text: str):
    return serialization.load_pem_private_key(
        text.encode(), password=None, unsafe_skip_rsa_key_validation=True
    )


def _jwk_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def _key_from_jwk(jwk: dict):
    n, e, d, p, q = (_jwk_int(jwk[k]) for k in ("n", "e", "d", "p", "q"))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, _jwk_int(jwk["dp"]), _jwk_int(jwk["dq"]), _jwk_int(jwk["qi"]),
        rsa.RSAPublicNumbers(e, n),
    )
    return numbers.private_key()


# RFC 7515 Appendix A.2 key (also in jwcrypto's tests).
RFC7515_A2_JWK = {
    "kty": "RSA",
    "n": "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
    "e": "AQAB",
    "d": "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
    "p": "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
    "q": "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
    "dp": "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
    "dq": "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
    "qi": "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U",
}

# RFC 7520 §3.4 RSA private key ("bilbo.baggins@hobbiton.example").
RFC7520_JWK = {
    "kty": "RSA",
    "kid": "bilbo.baggins@hobbiton.example",
    "n": "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw",
    "e": "AQAB",
    "d": "bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT-O1q_I78eiZkpXxXQ0UTEs2LsNRS-8uJbvQ-A1irkwMSMkK1J3XTGgdrhCku9gRldY7sNA_AKZGh-Q661_42rINLRCe8W-nZ34ui_qOfkLnK9QWDDqpaIsA-bMwWWSDFu2MUBYwkHTMEzLYGqOe04noqeq1hExBTHBOBdkMXiuFhUq1BU6l-DqEiWxqg82sXt2h-LMnT3046AOYJoRioz75tSUQfGCshWTBnP5uDjd18kKhyv07lhfSJdrPdM5Plyl21hsFf4L_mHCuoFau7gdsPfHPxxjVOcOpBrQzwQ",
    "p": "3Slxg_DwTXJcb6095RoXygQCAZ5RnAvZlno1yhHtnUex_fp7AZ_9nRaO7HX_-SFfGQeutao2TDjDAWU4Vupk8rw9JR0AzZ0N2fvuIAmr_WCsmGpeNqQnev1T7IyEsnh8UMt-n5CafhkikzhEsrmndH6LxOrvRJlsPp6Zv8bUq0k",
    "q": "uKE2dh-cTf6ERF4k4e_jy78GfPYUIaUyoSSJuBzp3Cubk3OCqs6grT8bR_cu0Dm1MZwWmtdqDyI95HrUeq3MP15vMMON8lHTeZu2lmKvwqW7anV5UzhM1iZ7z4yMkuUwFWoBvyY898EXvRD-hdqRxHlSqAZ192zB3pVFJ0s7pFc",
    "dp": "B8PVvXkvJrj2L-GYQ7v3y9r6Kw5g9SahXBwsWUzp19TVlgI-YV85q1NIb1rxQtD-IsXXR3-TanevuRPRt5OBOdiMGQp8pbt26gljYfKU_E9xn-RULHz0-ed9E9gXLKD4VGngpz-PfQ_q29pk5xWHoJp009Qf1HvChixRX59ehik",
    "dq": "CLDmDGduhylc9o7r84rEUVn7pzQ6PF83Y-iBZx5NT-TpnOZKF1pErAMVeKzFEl41DlHHqqBLSM0W1sOFbwTxYWZDm6sI6og5iTbwQGIC3gnJKbi_7k_vJgGHwHxgPaX2PnvP-zyEkDERuf-ry4c_Z11Cq9AqC2yeL6kdKT1cYF8",
    "qi": "3PiqvXQN0zwMeE-sBvZgi289XP9XCQF3VWqPzMKnIgQp7_Tugo6-NZBKCQsMf3HaEGBjTVJs_jcK8-TRXvaKe-7ZMaQj8VfBdYkssbu0NKDDhjJ-GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h6ZEpMF6xmujs4qMpPz8aaI4",
}


def _service_account_json(key_pem: str) -> str:
    info = {
        "type": "service_account",
        "project_id": SA_PROJECT,
        "private_key_id": SA_KEY_ID,
        "private_key": key_pem,
        "client_email": SA_EMAIL,
        "client_id": SA_CLIENT_ID,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
        + SA_EMAIL.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }
    return json.dumps(info, indent=2) + "\n"


def _inconsistent(key, change: str) -> str:
    """PKCS#1 DER of `key` with one component corrupted (OpenSSL would refuse to write it)."""
    priv = key.private_numbers()
    pub = priv.public_numbers
    fields = {
        "n": pub.n, "e": pub.e, "d": priv.d, "p": priv.p, "q": priv.q,
        "dp": priv.dmp1, "dq": priv.dmq1, "qi": priv.iqmp,
    }
    if change == "n":
        fields["n"] += 2  # still odd, same size, but p * q != n
    elif change == "qi":
        fields["qi"] = (fields["qi"] + 1) % fields["p"]
    der = der_seq(der_int(0), *(der_int(fields[k]) for k in ("n", "e", "d", "p", "q", "dp", "dq", "qi")))
    return pem("RSA PRIVATE KEY", der)


def _self_signed_cert(key, common_name: str) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x0C0FFEE)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class Keys:
    """Every fixture key, loaded (and created on first run)."""

    def __init__(self):
        KEYS.mkdir(exist_ok=True)
        self.sa_pem = load_private(_write_once("rsa_2048_pkcs8.pem", lambda: _pkcs8(_rsa(2048))))
        self.sa = self.sa_pem
        self.sa_json = _write_once(
            "sa_2048_pkcs8.json", lambda: _service_account_json(_pkcs8(self.sa_pem))
        )
        self.rsa_3072 = load_private(_write_once("rsa_3072_pkcs8.pem", lambda: _pkcs8(_rsa(3072))))
        self.rsa_4096 = load_private(_write_once("rsa_4096_pkcs1.pem", lambda: _pkcs1(_rsa(4096))))
        self.rsa_2560 = load_private(_write_once("rsa_2560_pkcs8.pem", lambda: _pkcs8(_rsa(2560))))
        self.rsa_1024 = load_private(_write_once("rsa_1024_pkcs8.pem", lambda: _pkcs8(_rsa(1024))))
        self.rsa_e3 = load_private(_write_once("rsa_2048_e3_pkcs8.pem", lambda: _pkcs8(_rsa(2048, 3))))
        self.rsa_8192 = load_private(_write_once("rsa_8192_pkcs8.pem", lambda: _pkcs8(_rsa(8192))))
        self.other = load_private(_write_once("rsa_2048_other_pkcs1.pem", lambda: _pkcs1(_rsa(2048))))
        self.ec = _write_once(
            "ec_p256_pkcs8.pem", lambda: _pkcs8(ec.generate_private_key(ec.SECP256R1()))
        )
        self.ec_key = load_private(self.ec)
        self.ec_p384 = _write_once(
            "ec_p384_pkcs8.pem", lambda: _pkcs8(ec.generate_private_key(ec.SECP384R1()))
        )
        self.encrypted = _write_once(
            "rsa_2048_encrypted_pkcs8.pem",
            lambda: self.other.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"credmint"),
            ).decode(),
        )
        self.legacy_encrypted = _write_once(
            "rsa_2048_encrypted_pkcs1.pem",
            lambda: self.other.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.BestAvailableEncryption(b"credmint"),
            ).decode(),
        )
        self.bad_modulus = _write_once("rsa_2048_bad_modulus.pem", lambda: _inconsistent(self.other, "n"))
        self.bad_qi = _write_once("rsa_2048_bad_crt.pem", lambda: _inconsistent(self.other, "qi"))
        self.rfc7515 = _key_from_jwk(RFC7515_A2_JWK)
        _write_once("rfc7515_a2_pkcs1.pem", lambda: _pkcs1(self.rfc7515))
        self.rfc7520 = _key_from_jwk(RFC7520_JWK)
        _write_once("rfc7520_bilbo_pkcs8.pem", lambda: _pkcs8(self.rfc7520))
        # google-auth 2.62.2 tests/data (Apache-2.0): PKCS#1 key, its public key and an expired cert.
        self.google_json = (KEYS / "google_service_account.json").read_text()
        self.google = load_private((KEYS / "google_privatekey.pem").read_text())
        self.google_cert = (KEYS / "google_public_cert.pem").read_text()
        # Public documents.
        self.cert_sa = _write_once("cert_sa_2048.pem", lambda: _self_signed_cert(self.sa, SA_EMAIL))
        self.cert_3072 = _write_once("cert_rsa_3072.pem", lambda: _self_signed_cert(self.rsa_3072, "rsa-3072"))
        self.cert_ec = _write_once("cert_ec_p256.pem", lambda: _self_signed_cert(load_private(self.ec), "ec"))
        _write_once("rsa_2048_spki.pem", lambda: public_pem(self.sa, "spki"))
        _write_once("rsa_2048_pkcs1_public.pem", lambda: public_pem(self.sa, "pkcs1"))
        _write_once("rsa_8192_spki.pem", lambda: public_pem(self.rsa_8192, "spki"))
        _write_once("rsa_1024_spki.pem", lambda: public_pem(self.rsa_1024, "spki"))
        _write_once("ec_p256_spki.pem", lambda: public_pem(self.ec_key, "spki"))
        _write_once("ec_p384_spki.pem", lambda: public_pem(load_private(self.ec_p384), "spki"))
        _write_once("jwks_two_keys.json", lambda: json.dumps(
            {"keys": [jwk(self.sa, SA_KEY_ID), jwk(self.rsa_3072, "rsa-3072")]}, indent=2) + "\n")
        _write_once("x509_certs.json", lambda: json.dumps(
            {SA_KEY_ID: self.cert_sa, "rsa-3072": self.cert_3072}, indent=2) + "\n")


def public_pem(key, form: str) -> str:
    fmt = {
        "spki": serialization.PublicFormat.SubjectPublicKeyInfo,
        "pkcs1": serialization.PublicFormat.PKCS1,
    }[form]
    return key.public_key().public_bytes(serialization.Encoding.PEM, fmt).decode()


def jwk(key, kid=None) -> dict:
    """The JWK credmint exports for `key` (fixed member order, kid last but one)."""
    numbers = key.public_key().public_numbers()
    out = {"kty": "RSA", "use": "sig", "alg": "RS256"}
    if kid is not None:
        out["kid"] = kid
    out["n"] = b64u(int_bytes(numbers.n))
    out["e"] = b64u(int_bytes(numbers.e))
    return out


def sign(key, data: bytes) -> bytes:
    """RS256, or ES256 (deterministic, RFC 6979, as JWS's 64-byte r||s) for an EC key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return p1363(sign_es256_der(key, data))
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def sign_es256_der(key, data: bytes) -> bytes:
    """An ECDSA P-256 SHA-256 signature in its ASN.1 DER form (never valid in a JWS)."""
    return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))


def p1363(der_signature: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    r, s = decode_dss_signature(der_signature)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def ec_jwk(key, kid=None) -> dict:
    """The JWK credmint exports for a P-256 key (fixed member order)."""
    numbers = key.public_key().public_numbers()
    out = {"kty": "EC", "use": "sig", "alg": "ES256"}
    if kid is not None:
        out["kid"] = kid
    out["crv"] = "P-256"
    out["x"] = b64u(numbers.x.to_bytes(32, "big"))
    out["y"] = b64u(numbers.y.to_bytes(32, "big"))
    return out


def jws(key, header: str, payload: str) -> str:
    signing_input = b64u(header.encode()) + "." + b64u(payload.encode())
    return signing_input + "." + b64u(sign(key, signing_input.encode()))


def jwt(key, kid: str, claims: dict) -> str:
    return jws(key, jwt_header(kid), canonical(claims))
