"""Real clients that credmint did not write, against `credmint serve`.

google-auth (service-account refresh, ID tokens, impersonation, verify_token,
the metadata server, authorized-user, impersonated and workforce credential
files), ibm-cloud-sdk-core (IAMAuthenticator), PyJWT (JWKS client) and
cryptography (the emulator's X.509 certificates) talk to the emulator over
loopback. Needs CREDMINT_BIN (the `credmint` binary); run by `make test-interop`.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import warnings

import google.auth
import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from google.auth import exceptions as google_exceptions
from google.auth import impersonated_credentials
from google.auth.transport.requests import Request
from google.auth import external_account_authorized_user
from google.oauth2 import credentials as user_credentials
from google.oauth2 import id_token, service_account
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator

CI = "ci-runner@demo-project.iam.gserviceaccount.com"
DEPLOYER = "deployer@demo-project.iam.gserviceaccount.com"
SIGNER = "storage-signer@demo-project.iam.gserviceaccount.com"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
APIKEY = "demo-ibm-apikey-0123456789"
USER = "developer@example.com"
WORKFORCE_SUBJECT = "alice@example.com"


def load_credentials_from_file(path, **kwargs):
    """google.auth.load_credentials_from_file, without its DeprecationWarning about
    loading files from untrusted sources (these are the emulator's own)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return google.auth.load_credentials_from_file(path, **kwargs)


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

    def credential_file(self, name):
        return os.path.join(self.dir.name, "keys", name)

    def iam_status(self, token, target):
        """The status of `generateAccessToken` on `target` with `token` as the caller."""
        request = urllib.request.Request(
            self.iam(target, "generateAccessToken"),
            data=json.dumps({"scope": [CLOUD_PLATFORM]}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

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


def metadata_environment(base, gcloud_dir):
    """The environment of a process that should find the emulator as its metadata
    server through google-auth's own variables, and no other credentials."""
    host = urllib.parse.urlsplit(base).netloc
    env = dict(os.environ)
    for name in (
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_CLOUD_PROJECT",
        "GCLOUD_PROJECT",
        "GOOGLE_CLOUD_QUOTA_PROJECT",
        "GCE_METADATA_ROOT",
        "NO_GCE_CHECK",
    ):
        env.pop(name, None)
    env.update(GCE_METADATA_HOST=host, GCE_METADATA_IP=host, CLOUDSDK_CONFIG=gcloud_dir)
    return env


def run_python(code, env):
    """Runs `code` in a fresh interpreter (google-auth reads GCE_METADATA_HOST when
    it is imported) and returns the JSON it prints last."""
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise AssertionError(f"child failed ({result.returncode}):\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class GoogleHostsToEmulator(requests.adapters.HTTPAdapter):
    """A transport that sends requests for Google's hosts to the emulator and
    records them, for google-auth code paths that ignore the endpoints in a
    credential file."""

    def __init__(self, base, hosts):
        super().__init__()
        self.base = base
        self.hosts = hosts
        self.rerouted = []

    def send(self, request, **kwargs):
        parts = urllib.parse.urlsplit(request.url)
        if parts.hostname in self.hosts:
            self.rerouted.append((parts.hostname, parts.path))
            request.url = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


class MetadataServerAgainstGoogleAuth(EmulatorTestCase):
    """google-auth's Compute Engine support with the emulator as the metadata server."""

    def setUp(self):
        self.gcloud = tempfile.TemporaryDirectory(prefix="credmint-gcloud-")
        self.addCleanup(self.gcloud.cleanup)
        self.env = metadata_environment(self.emulator.base, self.gcloud.name)

    def test_compute_engine_credentials_refresh_and_impersonate(self):
        result = run_python(
            f"""
import json
from google.auth import compute_engine, impersonated_credentials
from google.auth.transport.requests import Request
credentials = compute_engine.Credentials()
credentials.refresh(Request())
target = impersonated_credentials.Credentials(
    source_credentials=credentials,
    target_principal={DEPLOYER!r},
    target_scopes=[{CLOUD_PLATFORM!r}],
    iam_endpoint_override={self.emulator.iam(DEPLOYER, "generateAccessToken")!r},
)
target.refresh(Request())
print(json.dumps({{
    "token": credentials.token,
    "email": credentials.service_account_email,
    "scopes": credentials.scopes,
    "valid": credentials.valid,
    "universe": credentials.universe_domain,
    "target_token": target.token,
}}))
""",
            self.env,
        )
        self.assertTrue(result["token"].startswith("ya29."))
        self.assertTrue(result["valid"])
        self.assertEqual(result["email"], CI)
        self.assertEqual(result["scopes"], [CLOUD_PLATFORM])
        # universe/universe-domain is a 404, which google-auth reads as the default.
        self.assertEqual(result["universe"], "googleapis.com")
        # The metadata token is ci-runner's: a token creator on deployer, not on storage-signer.
        self.assertEqual(self.emulator.iam_status(result["token"], DEPLOYER), 200)
        self.assertEqual(self.emulator.iam_status(result["token"], SIGNER), 403)
        # The impersonated token is deployer's: deployer may act as storage-signer.
        self.assertEqual(self.emulator.iam_status(result["target_token"], SIGNER), 200)

    def test_default_finds_the_metadata_server(self):
        result = run_python(
            """
import json
import google.auth
from google.auth import compute_engine
from google.auth.transport.requests import Request
credentials, project = google.auth.default()
credentials.refresh(Request())
print(json.dumps({
    "compute_engine": isinstance(credentials, compute_engine.Credentials),
    "project": project,
    "email": credentials.service_account_email,
    "token": credentials.token,
}))
""",
            self.env,
        )
        self.assertTrue(result["compute_engine"])
        self.assertEqual(result["project"], "demo-project")
        self.assertEqual(result["email"], CI)
        self.assertEqual(self.emulator.iam_status(result["token"], DEPLOYER), 200)

    def test_fetch_id_token_from_the_metadata_server(self):
        result = run_python(
            """
import json
from google.oauth2 import id_token
from google.auth.transport.requests import Request
print(json.dumps({"token": id_token.fetch_id_token(Request(), "https://svc.example")}))
""",
            self.env,
        )
        token = result["token"]
        certs = f"{self.emulator.base}/oauth2/v1/certs"
        claims = id_token.verify_token(token, Request(), audience="https://svc.example", certs_url=certs)
        self.assertEqual(claims["email"], CI)
        self.assertTrue(claims["email_verified"])
        self.assertEqual(claims["iss"], "https://accounts.google.com")
        self.assertEqual(claims["google"]["compute_engine"]["project_id"], "demo-project")
        with self.assertRaises(ValueError):
            id_token.verify_token(token, Request(), audience="https://other.example", certs_url=certs)

    def test_without_the_metadata_flavor_header_nothing_is_served(self):
        url = f"{self.emulator.base}/computeMetadata/v1/instance/service-accounts/default/token"
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url)
        self.assertEqual(caught.exception.code, 403)
        self.assertEqual(caught.exception.headers["Metadata-Flavor"], "Google")
        self.assertIn('Missing required header "Metadata-Flavor": "Google"', caught.exception.read().decode())


class CredentialFilesAgainstGoogleAuth(EmulatorTestCase):
    """The credential files of `credmint serve --keys-dir`, loaded by google-auth."""

    def test_authorized_user_file_refreshes(self):
        path = self.emulator.credential_file("authorized_user.json")
        info = read_json(path)
        self.assertEqual(info["token_uri"], f"{self.emulator.base}/token")
        scopes = ["openid", "https://www.googleapis.com/auth/userinfo.email", CLOUD_PLATFORM]
        credentials = user_credentials.Credentials.from_authorized_user_file(path, scopes=scopes)
        # google-auth ignores an authorized_user file's token_uri (it always uses
        # oauth2.googleapis.com); its public with_token_uri points it at the file's.
        credentials = credentials.with_token_uri(info["token_uri"])
        credentials.refresh(Request())
        self.assertTrue(credentials.token.startswith("ya29."))
        self.assertTrue(credentials.valid)
        self.assertEqual(credentials.quota_project_id, "demo-project")
        self.assertEqual(sorted(credentials.granted_scopes), sorted(scopes))
        claims = id_token.verify_token(
            credentials.id_token,
            Request(),
            audience=info["client_id"],
            certs_url=f"{self.emulator.base}/oauth2/v1/certs",
        )
        self.assertEqual(claims["email"], USER)
        # user:developer@example.com is a token creator on deployer only.
        self.assertEqual(self.emulator.iam_status(credentials.token, DEPLOYER), 200)
        self.assertEqual(self.emulator.iam_status(credentials.token, SIGNER), 403)

    def test_authorized_user_refusals_reach_google_auth(self):
        info = read_json(self.emulator.credential_file("authorized_user.json"))
        for change, expected in (
            ({"client_secret": "not-the-secret"}, "invalid_client"),
            ({"refresh_token": "1//revoked"}, "invalid_grant"),
        ):
            credentials = user_credentials.Credentials.from_authorized_user_info(
                {**info, **change}
            ).with_token_uri(info["token_uri"])
            with self.assertRaises(google_exceptions.RefreshError) as caught:
                credentials.refresh(Request())
            self.assertIn(expected, str(caught.exception))

    def test_impersonated_service_account_file_refreshes(self):
        path = self.emulator.credential_file("impersonated_service_account.json")
        info = read_json(path)
        url = urllib.parse.urlsplit(info["service_account_impersonation_url"])
        self.assertEqual(f"{url.scheme}://{url.netloc}", self.emulator.base)
        self.assertEqual(info["source_credentials"]["type"], "authorized_user")
        credentials, project = load_credentials_from_file(path, scopes=[CLOUD_PLATFORM])
        self.assertIsInstance(credentials, impersonated_credentials.Credentials)
        self.assertIsNone(project)
        # google-auth 2.62 takes only the target out of service_account_impersonation_url
        # and the authorized_user source ignores its token_uri, so both calls go to
        # Google's hosts: this transport delivers them to the emulator instead.
        session = requests.Session()
        reroute = GoogleHostsToEmulator(
            self.emulator.base, {"oauth2.googleapis.com", "iamcredentials.googleapis.com"}
        )
        session.mount("https://", reroute)
        credentials.refresh(Request(session))
        self.assertEqual(
            reroute.rerouted,
            [("oauth2.googleapis.com", "/token"), ("iamcredentials.googleapis.com", url.path)],
        )
        self.assertTrue(credentials.token.startswith("ya29."))
        # The token is deployer's (the file's target): deployer may act as storage-signer.
        self.assertEqual(self.emulator.iam_status(credentials.token, SIGNER), 200)

    def test_external_account_authorized_user_file_refreshes(self):
        path = self.emulator.credential_file("external_account_authorized_user.json")
        info = read_json(path)
        self.assertEqual(info["token_url"], f"{self.emulator.base}/v1/oauthtoken")
        credentials, _ = load_credentials_from_file(path)
        self.assertIsInstance(credentials, external_account_authorized_user.Credentials)
        credentials.refresh(Request())
        self.assertTrue(credentials.token.startswith("ya29."))
        self.assertTrue(credentials.valid)
        # The workforce pool may act as deployer, not as storage-signer.
        self.assertEqual(self.emulator.iam_status(credentials.token, DEPLOYER), 200)
        self.assertEqual(self.emulator.iam_status(credentials.token, SIGNER), 403)
        # The token_info_url introspects the token (RFC 7662), with the same client.
        introspection = requests.post(
            info["token_info_url"],
            data={"token": credentials.token},
            auth=(info["client_id"], info["client_secret"]),
            timeout=10,
        )
        self.assertEqual(introspection.status_code, 200, introspection.text)
        self.assertEqual(introspection.json()["username"], WORKFORCE_SUBJECT)
        # A wrong client secret and an unknown refresh token are refused at STS.
        for change, expected in (
            ({"client_secret": "not-the-secret"}, "invalid_client"),
            ({"refresh_token": "revoked"}, "invalid_grant"),
        ):
            wrong = external_account_authorized_user.Credentials.from_info({**info, **change})
            with self.assertRaises(google_exceptions.OAuthError) as caught:
                wrong.refresh(Request())
            self.assertIn(expected, str(caught.exception))


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
