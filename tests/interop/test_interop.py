"""Interoperability with libraries credmint did not write: PyJWT and google-auth.

Tokens minted by the `credmint` binary must verify in them, and tokens they mint
must verify in credmint. Run with CREDMINT_BIN pointing at the binary:

    CREDMINT_BIN=target/debug/credmint python -m unittest tests/interop/test_interop.py
"""

import base64
import hashlib
import hmac
import json
import os
import pathlib
import subprocess
import tempfile
import time
import unittest

import google.auth.crypt
import google.auth.jwt
import jwt as pyjwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account

BIN = os.environ.get("CREDMINT_BIN", "target/debug/credmint")
EMAIL = "interop@interop-project.iam.gserviceaccount.com"


def credmint(*args, stdin=None):
    result = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"credmint {args[0]} failed: {result.stderr}")
    return result.stdout


def b64u_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


class Interop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        path = pathlib.Path(cls.dir.name)
        cls.key_path = path / "key.json"
        cls.key_path.write_text(credmint("keygen", "--email", EMAIL))
        cls.info = json.loads(cls.key_path.read_text())
        cls.jwks_path = path / "jwks.json"
        cls.jwks_path.write_text(credmint("jwks", "--key", str(cls.key_path)))
        jwk = json.loads(cls.jwks_path.read_text())["keys"][0]
        public = rsa.RSAPublicNumbers(b64u_int(jwk["e"]), b64u_int(jwk["n"])).public_key()
        cls.public_pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        cls.kid = cls.info["private_key_id"]

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def credmint_token(self, claims):
        out = json.loads(credmint("sign-jwt", "--key", str(self.key_path), "--claims", json.dumps(claims)))
        self.assertEqual(out["keyId"], self.kid)
        return out["signedJwt"]

    def credmint_verify(self, token, *flags):
        return json.loads(credmint("verify", "-", "--keys", str(self.jwks_path), *flags, stdin=token + "\n"))

    def test_pyjwt_verifies_credmint_tokens(self):
        token = self.credmint_token({"aud": "https://svc.example", "sub": "42", "iat": int(time.time())})
        jwks = pyjwt.PyJWKSet.from_json(self.jwks_path.read_text())
        header = pyjwt.get_unverified_header(token)
        self.assertEqual(header, {"alg": "RS256", "typ": "JWT", "kid": self.kid})
        claims = pyjwt.decode(token, jwks[header["kid"]].key, algorithms=["RS256"], audience="https://svc.example")
        self.assertEqual(claims["sub"], "42")
        self.assertAlmostEqual(claims["exp"], time.time() + 3600, delta=120)

    def test_google_auth_verifies_credmint_tokens(self):
        token = self.credmint_token({"aud": "https://svc.example", "iat": int(time.time()), "sub": "x"})
        claims = google.auth.jwt.decode(token, certs={self.kid: self.public_pem}, audience="https://svc.example")
        self.assertEqual(claims["sub"], "x")

    def test_google_auth_loads_credmint_key_files(self):
        creds = service_account.Credentials.from_service_account_info(
            self.info, scopes=["https://www.googleapis.com/auth/cloud-platform"]
        )
        self.assertEqual(creds.service_account_email, EMAIL)
        assertion = creds._make_authorization_grant_assertion()
        claims = self.credmint_verify(
            assertion.decode() if isinstance(assertion, bytes) else assertion,
            "--aud", "https://oauth2.googleapis.com/token", "--iss", EMAIL, "--max-lifetime", "3600",
        )
        self.assertEqual(claims["scope"], "https://www.googleapis.com/auth/cloud-platform")

    def test_credmint_verifies_google_auth_tokens(self):
        signer = google.auth.crypt.RSASigner.from_service_account_info(self.info)
        now = int(time.time())
        token = google.auth.jwt.encode(signer, {"iss": EMAIL, "aud": "a", "iat": now, "exp": now + 600}).decode()
        claims = self.credmint_verify(token, "--aud", "a", "--iss", EMAIL)
        self.assertEqual(claims["exp"], now + 600)

    def test_credmint_verifies_pyjwt_tokens_and_rejects_tampering(self):
        private = serialization.load_pem_private_key(self.info["private_key"].encode(), password=None)
        now = int(time.time())
        token = pyjwt.encode({"iss": "pyjwt", "exp": now + 60, "nested": {"b": 1, "a": [1, 2]}}, private,
                             algorithm="RS256", headers={"kid": self.kid})
        claims = self.credmint_verify(token, "--iss", "pyjwt")
        self.assertEqual(claims["nested"], {"a": [1, 2], "b": 1})
        # Key confusion: HS256 keyed with the public key PEM (PyJWT refuses to make this, so forge it).
        def b64u(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        signing_input = b64u(b'{"alg":"HS256","typ":"JWT"}') + "." + b64u(json.dumps({"exp": now + 60}).encode())
        mac = hmac.new(self.public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
        forged = signing_input + "." + b64u(mac)
        result = subprocess.run([BIN, "verify", forged, "--keys", str(self.jwks_path)], capture_output=True, text=True)
        self.assertEqual(result.returncode, 1)
        self.assertTrue(result.stderr.startswith("error[unsupported_algorithm]: "), result.stderr)

    def test_sign_blob_verifies_in_cryptography(self):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        out = json.loads(credmint("sign-blob", "--key", str(self.key_path), "--input", "-", stdin="blob bytes"))
        signature = base64.b64decode(out["signedBlob"])
        public = serialization.load_pem_public_key(self.public_pem.encode())
        public.verify(signature, b"blob bytes", padding.PKCS1v15(), hashes.SHA256())


if __name__ == "__main__":
    unittest.main()
