"""Real clients that credmint did not write, against `credmint serve`.

google-auth (service-account refresh, ID tokens, impersonation, verify_token),
ibm-cloud-sdk-core (IAMAuthenticator), PyJWT (JWKS client) and cryptography
(the emulator's X.509 certificates) talk to the emulator over loopback.
Needs CREDMINT_BIN (the `credmint` binary); run by `make test-interop`.
"""

import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.request

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from google.auth import exceptions as google_exceptions
from google.auth import impersonated_credentials
from google.auth.transport.requests import Request
from google.oauth2 import id_token, service_account
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator

CI = "ci-runner@demo-project.iam.gserviceaccount.com"
DEPLOYER = "deployer@demo-project.iam.gserviceaccount.com"
SIGNER = "storage-signer@demo-project.iam.gserviceaccount.com"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
APIKEY = "demo-ibm-apikey-0123456789"


def read_json(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


class Emulator:
    """`credmint serve --port 0` in a child process, with its key files."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="credmint-emulator-")
        self.process = subprocess.Popen(
            [
                os.environ["CREDMINT_BIN"],
                "serve",
                "--port",
                "0",
                "--state",
                os.path.join(self.dir.name, "state.json"),
                "--keys-dir",
                os.path.join(self.dir.name, "keys"),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base = self.process.stdout.readline().strip()
        if not self.base.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"credmint serve printed {self.base!r}")

    def key_file(self, email):
        return os.path.join(self.dir.name, "keys", f"{email}.json")

    def iam(self, email, method):
        return f"{self.base}/v1/projects/-/serviceAccounts/{email}:{method}"

    def get_json(self, path):
        with urllib.request.urlopen(self.base + path) as response:
            return json.load(response)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.dir.cleanup()


class EmulatorTestCase(unittest.TestCase):
    """One emulator per test class."""

    @classmethod
    def setUpClass(cls):
        cls.emulator = Emulator()

    @classmethod
    def tearDownClass(cls):
        cls.emulator.stop()


class GoogleAuthAgainstEmulator(EmulatorTestCase):
    def source(self, scopes=(CLOUD_PLATFORM,)):
        return service_account.Credentials.from_service_account_file(
            self.emulator.key_file(CI), scopes=list(scopes)
        )

    def test_service_account_refresh_uses_the_key_files_token_uri(self):
        credentials = self.source()
        self.assertTrue(credentials._token_uri.startswith(self.emulator.base))
        credentials.refresh(Request())
        self.assertTrue(credentials.token.startswith("ya29."))
        self.assertTrue(credentials.valid)
        remaining = (credentials.expiry - credentials.expiry.utcnow()).total_seconds()
        self.assertGreater(remaining, 3500)

    def test_id_token_credentials_and_verify_token(self):
        credentials = service_account.IDTokenCredentials.from_service_account_file(
            self.emulator.key_file(CI), target_audience="https://svc.example"
        )
        credentials.refresh(Request())
        claims = id_token.verify_token(
            credentials.token,
            Request(),
            audience="https://svc.example",
            certs_url=f"{self.emulator.base}/oauth2/v1/certs",
        )
        self.assertEqual(claims["email"], CI)
        self.assertEqual(claims["iss"], "https://accounts.google.com")
        # The wrong audience is refused by google-auth itself.
        with self.assertRaises(ValueError):
            id_token.verify_token(
                credentials.token,
                Request(),
                audience="https://other.example",
                certs_url=f"{self.emulator.base}/oauth2/v1/certs",
            )

    def test_impersonated_credentials_with_iam_endpoint_override(self):
        target = impersonated_credentials.Credentials(
            source_credentials=self.source(),
            target_principal=DEPLOYER,
            target_scopes=[CLOUD_PLATFORM],
            lifetime=600,
            iam_endpoint_override=self.emulator.iam(DEPLOYER, "generateAccessToken"),
        )
        target.refresh(Request())
        self.assertTrue(target.token.startswith("ya29."))
        remaining = (target.expiry - target.expiry.utcnow()).total_seconds()
        self.assertTrue(590 <= remaining <= 601, remaining)

    def test_impersonation_through_delegates(self):
        target = impersonated_credentials.Credentials(
            source_credentials=self.source(),
            target_principal=SIGNER,
            target_scopes=[CLOUD_PLATFORM],
            delegates=[DEPLOYER],
            iam_endpoint_override=self.emulator.iam(SIGNER, "generateAccessToken"),
        )
        target.refresh(Request())
        self.assertTrue(target.valid)

    def test_impersonation_without_permission_is_refused(self):
        target = impersonated_credentials.Credentials(
            source_credentials=self.source(),
            target_principal=SIGNER,
            target_scopes=[CLOUD_PLATFORM],
            iam_endpoint_override=self.emulator.iam(SIGNER, "generateAccessToken"),
        )
        with self.assertRaises(google_exceptions.RefreshError) as caught:
            target.refresh(Request())
        self.assertIn("PERMISSION_DENIED", str(caught.exception))

    def test_a_key_the_emulator_does_not_know_is_refused(self):
        info = read_json(self.emulator.key_file(CI))
        other = read_json(self.emulator.key_file(DEPLOYER))
        info["private_key"] = other["private_key"]  # right email, wrong key
        credentials = service_account.Credentials.from_service_account_info(
            info, scopes=[CLOUD_PLATFORM]
        )
        with self.assertRaises(google_exceptions.RefreshError) as caught:
            credentials.refresh(Request())
        self.assertIn("invalid_grant", str(caught.exception))

    def test_x509_certificates_are_valid_self_signed_certificates(self):
        certs = self.emulator.get_json(f"/service_accounts/v1/metadata/x509/{SIGNER}")
        key_info = read_json(self.emulator.key_file(SIGNER))
        self.assertEqual(list(certs), [key_info["private_key_id"]])
        cert = x509.load_pem_x509_certificate(certs[key_info["private_key_id"]].encode())
        # OpenSSL (through cryptography) checks the self-signature.
        cert.public_key().verify(
            cert.signature,
            cert.tbs_certificate_bytes,
            padding.PKCS1v15(),
            cert.signature_hash_algorithm,
        )
        private = serialization.load_pem_private_key(
            key_info["private_key"].encode(), password=None
        )
        self.assertEqual(
            cert.public_key().public_numbers(), private.public_key().public_numbers()
        )
        self.assertEqual(cert.version, x509.Version.v3)
        self.assertIn(SIGNER, cert.subject.rfc4514_string())


class IbmSdkAgainstEmulator(EmulatorTestCase):
    def test_iam_authenticator_gets_and_uses_a_token(self):
        authenticator = IAMAuthenticator(APIKEY, url=self.emulator.base)
        request = {"headers": {}}
        authenticator.authenticate(request)
        bearer = request["headers"]["Authorization"]
        self.assertTrue(bearer.startswith("Bearer eyJ"))
        token = bearer.split(" ", 1)[1]
        # PyJWT verifies it against the emulator's IBM key endpoint.
        signing_key = jwt.PyJWKClient(f"{self.emulator.base}/identity/keys").get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            issuer="https://iam.cloud.ibm.com/identity",
            options={"verify_aud": False},
        )
        self.assertEqual(claims["iam_id"], "iam-ServiceId-00000000-0000-4000-8000-000000000001")
        # The token manager caches: a second call reuses the token.
        again = {"headers": {}}
        authenticator.authenticate(again)
        self.assertEqual(again["headers"]["Authorization"], bearer)
        self.assertGreater(authenticator.token_manager.expire_time, time.time() + 3000)

    def test_a_bad_api_key_gets_ibms_error(self):
        authenticator = IAMAuthenticator("not-a-real-key", url=self.emulator.base)
        with self.assertRaises(ApiException) as caught:
            authenticator.authenticate({"headers": {}})
        self.assertEqual(caught.exception.status_code, 400)
        self.assertIn("Provided API key could not be found", caught.exception.message)


if __name__ == "__main__":
    unittest.main()
