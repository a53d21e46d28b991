"""Every credential type end to end against `credmint serve`, over each
transport (urllib, requests, httpx, httpx async), success and error paths."""

import asyncio
import json
import http.server
import socket
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, List

import httpx
import pytest
import requests

import credmint
from conftest import ADMIN, APIKEY, CI, DEPLOYER, PROVIDER, SIGNER, Emulator

TRANSPORTS = ["urllib", "requests", "httpx"]


def make_transport(kind: str) -> Any:
    if kind == "urllib":
        return None
    if kind == "requests":
        return requests.Session()
    return httpx.Client()


def source(emulator: Emulator, transport: Any = None) -> credmint.ServiceAccountCredentials:
    key = credmint.ServiceAccountKey.from_file(emulator.key_file(CI))
    return credmint.ServiceAccountCredentials(key, transport=transport)


def check_token(token: credmint.AccessToken, lifetime: int = 3600) -> None:
    assert token.token
    assert token.expires_at.tzinfo is timezone.utc
    remaining = (token.expires_at - datetime.now(timezone.utc)).total_seconds()
    assert lifetime - 30 <= remaining <= lifetime + 1, remaining
    assert token.token not in repr(token) and token.token not in str(token)


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_service_account_access_and_id_tokens(emulator: Emulator, kind: str) -> None:
    credentials = source(emulator, make_transport(kind))
    token = credentials.token()
    check_token(token)
    assert credentials.token().token == token.token, "cached"
    id_token = credentials.id_token("https://svc.example")
    certs = requests.get(f"{emulator.base}/oauth2/v1/certs", timeout=10).json()
    claims = credmint.verify(id_token.token, certs, audience="https://svc.example", issuer="https://accounts.google.com")
    assert claims["email"] == CI
    assert id_token.token not in repr(id_token)


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_impersonation_chain_and_iam_calls(emulator: Emulator, kind: str) -> None:
    transport = make_transport(kind)
    deployer = credmint.ImpersonatedCredentials(
        source(emulator, transport), DEPLOYER, lifetime=900, endpoint=emulator.base, transport=transport
    )
    check_token(deployer.token(), 900)
    signer = credmint.ImpersonatedCredentials(
        source(emulator, transport), SIGNER, delegates=[DEPLOYER], endpoint=emulator.base, transport=transport
    )
    check_token(signer.token())
    blob = signer.sign_blob(b"payload")
    certs = requests.get(f"{emulator.base}/service_accounts/v1/metadata/x509/{SIGNER}", timeout=10).json()
    assert blob.key_id in certs
    jwt = signer.sign_jwt({"iss": SIGNER, "aud": "https://api.example"})
    jwks = requests.get(f"{emulator.base}/service_accounts/v1/jwk/{SIGNER}", timeout=10).json()
    assert credmint.verify(jwt.signed_jwt, jwks, audience="https://api.example")["iss"] == SIGNER
    id_token = signer.id_token("https://run.example", include_email=True)
    oidc = requests.get(f"{emulator.base}/oauth2/v3/certs", timeout=10).json()
    assert credmint.verify(id_token.token, oidc, audience="https://run.example")["email"] == SIGNER
    assert signer.allowed_locations() == {"locations": ["us-central1", "europe-west1"], "encoded_locations": "0x11"}


def test_iam_errors_are_remote_errors(emulator: Emulator) -> None:
    no_permission = credmint.ImpersonatedCredentials(source(emulator), SIGNER, endpoint=emulator.base)
    with pytest.raises(credmint.RemoteError) as caught:
        no_permission.token()
    error = caught.value
    assert (error.code, error.status, error.remote_code, error.retryable) == (
        "permission_denied", 403, "PERMISSION_DENIED", False,
    )
    too_long = credmint.ImpersonatedCredentials(source(emulator), DEPLOYER, lifetime=7200, endpoint=emulator.base)
    with pytest.raises(credmint.RemoteError) as caught:
        too_long.token()
    assert (caught.value.code, caught.value.status) == ("remote_error", 400)
    with pytest.raises(credmint.InvalidArgumentError):
        credmint.ImpersonatedCredentials(source(emulator), DEPLOYER, lifetime=50_000, endpoint=emulator.base).token()


def test_low_level_iam_functions(emulator: Emulator) -> None:
    caller = source(emulator).token()
    minted = credmint.iam.generate_access_token(caller, DEPLOYER, endpoint=emulator.base, lifetime=600)
    check_token(minted, 600)
    blob = credmint.iam.sign_blob(minted.token, SIGNER, b"x", endpoint=emulator.base)
    assert len(blob.signed_blob) == 256
    locations = credmint.iam.allowed_locations(caller, CI, endpoint=emulator.base)
    assert locations == {"locations": [], "encoded_locations": "0x0"}


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_ibm_api_key(emulator: Emulator, kind: str) -> None:
    credentials = credmint.IbmApiKeyCredentials(APIKEY, url=emulator.base, transport=make_transport(kind))
    token = credentials.token()
    check_token(token)
    assert token.refresh_token
    assert APIKEY not in repr(credentials)
    with pytest.raises(credmint.RemoteError) as caught:
        credmint.IbmApiKeyCredentials("wrong", url=emulator.base).token()
    assert (caught.value.code, caught.value.remote_code) == ("credential_rejected", "BXNIM0415E")


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_client_credentials_and_k0rdent_listing(emulator: Emulator, kind: str) -> None:
    transport = make_transport(kind)
    admin = credmint.ClientCredentials(f"{emulator.base}/token", ADMIN[0], ADMIN[1], transport=transport)
    assert ADMIN[1] not in repr(admin)
    items = list(
        credmint.k0rdent.list_credentials(emulator.base, "sa-pipeline-prod", token=admin, page_size=1, transport=transport)
    )
    assert [c.id for c in items] == ["cred-001", "cred-000"]
    assert [c.status for c in items] == ["active", "expired"]
    assert items[0].expires_at is not None and items[0].expires_at.year == 2099
    expired = list(credmint.k0rdent.list_credentials(emulator.base, "sa-pipeline-prod", token=admin.token(), status="expired"))
    assert [c.id for c in expired] == ["cred-000"]
    with pytest.raises(credmint.RemoteError) as caught:
        credmint.ClientCredentials(f"{emulator.base}/token", "cred-001", "wrong").token()
    assert caught.value.code == "credential_rejected"
    with pytest.raises(credmint.InvalidArgumentError):
        next(credmint.k0rdent.list_credentials(emulator.base, "sa-pipeline-prod", token="t", page_size=501))


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_external_account_federation(emulator: Emulator, tmp_path: Any, kind: str) -> None:
    # The provider's generated key signs a subject token, as a CI system would.
    provider_key = credmint.ServiceAccountKey.from_file(emulator.key_file("idp-0"))
    now = int(time.time())
    subject = provider_key.sign_jwt({"iss": "https://ci.example.com", "sub": "repo:acme/app", "aud": PROVIDER, "iat": now})
    token_file = tmp_path / "subject.jwt"
    token_file.write_text(subject.signed_jwt)
    info = {
        "type": "external_account",
        "audience": PROVIDER,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": f"{emulator.base}/v1/token",
        "service_account_impersonation_url": f"{emulator.base}/v1/projects/-/serviceAccounts/{SIGNER}:generateAccessToken",
        "credential_source": {"file": str(token_file)},
    }
    transport = make_transport(kind)
    check_token(credmint.ExternalAccountCredentials.from_info(info, transport=transport).token())
    supplied = credmint.ExternalAccountCredentials.from_info(
        info, subject_token_supplier=lambda: subject.signed_jwt, transport=transport
    )
    check_token(supplied.token())
    bad = credmint.ExternalAccountCredentials.from_info(info, subject_token_supplier=lambda: "not.a.jwt")
    with pytest.raises(credmint.RemoteError) as caught:
        bad.token()
    assert caught.value.remote_code == "invalid_grant"
    config = tmp_path / "wif.json"
    config.write_text(json.dumps(info))
    check_token(credmint.ExternalAccountCredentials.from_file(config).token())
    # A subject token file past the core's limit is refused whole, never cut to a prefix.
    token_file.write_text(subject.signed_jwt + " " * (credmint._native.MAX_RESPONSE_BODY + 1 - len(subject.signed_jwt)))
    with pytest.raises(credmint.InvalidArgumentError, match="limit"):
        credmint.ExternalAccountCredentials.from_info(info, transport=transport).token()


def test_async_with_httpx(emulator: Emulator) -> None:
    async def main() -> List[str]:
        async with httpx.AsyncClient() as client:
            key = credmint.ServiceAccountKey.from_file(emulator.key_file(CI))
            sa = credmint.ServiceAccountCredentials(key, transport=client)
            deployer = credmint.ImpersonatedCredentials(sa, DEPLOYER, endpoint=emulator.base, transport=client)
            ibm = credmint.IbmApiKeyCredentials(APIKEY, url=emulator.base, transport=client)
            admin = credmint.ClientCredentials(f"{emulator.base}/token", ADMIN[0], ADMIN[1], transport=client)
            provider_key = credmint.ServiceAccountKey.from_file(emulator.key_file("idp-0"))
            subject = provider_key.sign_jwt({"iss": "https://ci.example.com", "sub": "a", "aud": PROVIDER, "iat": int(time.time())})
            federated = credmint.ExternalAccountCredentials.from_info(
                {
                    "type": "external_account",
                    "audience": PROVIDER,
                    "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                    "token_url": f"{emulator.base}/v1/token",
                    "credential_source": {"file": "/nonexistent"},
                },
                subject_token_supplier=lambda: subject.signed_jwt,
                transport=client,
            )
            tokens = await asyncio.gather(
                *(sa.token_async() for _ in range(8)),
                deployer.token_async(), ibm.token_async(), admin.token_async(), federated.token_async(),
            )
            id_token = await sa.id_token_async("https://svc.example")
            with pytest.raises(credmint.InvalidArgumentError):
                # An async transport cannot serve a sync call that needs I/O.
                credmint.ServiceAccountCredentials(key, transport=client).token()
            return [t.token for t in tokens] + [id_token.token]
    tokens = asyncio.run(main())
    assert len(set(tokens[:8])) == 1, "one refresh for eight concurrent awaits"


class CountingTransport:
    """urllib, counting requests (thread-safe)."""

    def __init__(self) -> None:
        from credmint._transport import UrllibTransport

        self._inner = UrllibTransport()
        self.sent = 0
        self._lock = threading.Lock()

    def send(self, method: str, url: str, headers: Any, body: bytes, timeout: float) -> Any:
        with self._lock:
            self.sent += 1
        time.sleep(0.05)  # widen the race window
        return self._inner.send(method, url, headers, body, timeout)


def test_thirty_two_threads_cause_one_refresh(emulator: Emulator) -> None:
    transport = CountingTransport()
    credentials = source(emulator, transport)
    barrier = threading.Barrier(32)
    results: List[str] = []

    def worker() -> None:
        barrier.wait()
        results.append(credentials.token().token)

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 32 and len(set(results)) == 1
    assert transport.sent == 1


@pytest.fixture
def bad_gateway() -> Iterator[str]:
    """A loopback token endpoint that answers an HTML 502."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/502/token"
    server.shutdown()


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_html_502_is_a_typed_error(emulator: Emulator, bad_gateway: str, kind: str) -> None:
    # A stalled endpoint is tests/test_transport.py's.
    key = credmint.ServiceAccountKey.from_file(emulator.key_file(CI))
    credentials = credmint.ServiceAccountCredentials(key, transport=make_transport(kind), token_uri=bad_gateway)
    with pytest.raises(credmint.RemoteError) as caught_502:
        credentials.token()
    assert (caught_502.value.code, caught_502.value.status, caught_502.value.retryable) == ("server_error", 502, True)
    assert "<html>" not in str(caught_502.value) or len(str(caught_502.value)) < 600


def test_connection_refused_is_a_transport_error(emulator: Emulator) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    key = credmint.ServiceAccountKey.from_file(emulator.key_file(CI))
    credentials = credmint.ServiceAccountCredentials(key, token_uri=f"http://127.0.0.1:{port}/token")
    with pytest.raises(credmint.TransportError):
        credentials.token()


def test_google_auth_adapter_plugs_into_google_auth(emulator: Emulator) -> None:
    import google.auth.transport.requests
    from credmint.google_auth import Credentials as GoogleCredentials

    adapted = GoogleCredentials(source(emulator), quota_project_id="billing-project")
    assert not adapted.valid
    adapted.refresh(google.auth.transport.requests.Request())
    assert adapted.valid and adapted.token.startswith("ya29.")
    headers: dict = {}
    adapted.before_request(google.auth.transport.requests.Request(), "GET", "https://x", headers)
    assert headers["authorization"] == f"Bearer {adapted.token}"
    assert headers["x-goog-user-project"] == "billing-project"
    # An AuthorizedSession uses it to call the emulator's own IAM API.
    session = google.auth.transport.requests.AuthorizedSession(adapted)
    answer = session.post(
        f"{emulator.base}/v1/projects/-/serviceAccounts/{DEPLOYER}:generateAccessToken",
        json={"scope": ["https://www.googleapis.com/auth/cloud-platform"]},
    )
    assert answer.status_code == 200, answer.text


def _serve_get(answer: Callable[[http.server.BaseHTTPRequestHandler], None]) -> http.server.ThreadingHTTPServer:
    """A loopback server answering every GET with `answer`; shut it down after use."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            answer(self)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_external_account_subject_token_from_a_url(emulator: Emulator) -> None:
    provider_key = credmint.ServiceAccountKey.from_file(emulator.key_file("idp-0"))
    subject = provider_key.sign_jwt({"iss": "https://ci.example.com", "sub": "job-7", "aud": PROVIDER, "iat": int(time.time())})
    seen: List[str] = []

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        seen.append(handler.headers.get("Metadata-Flavor", ""))
        body = json.dumps({"id_token": subject.signed_jwt}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    server = _serve_get(answer)
    try:
        info = {
            "type": "external_account",
            "audience": PROVIDER,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": f"{emulator.base}/v1/token",
            "credential_source": {
                "url": f"http://127.0.0.1:{server.server_address[1]}/token",
                "headers": {"Metadata-Flavor": "Test"},
                "format": {"type": "json", "subject_token_field_name": "id_token"},
            },
        }
        class Recording:
            """The standard transport, noting each request's time limit."""

            def __init__(self) -> None:
                self.limits: List[Any] = []
                self.inner = credmint._transport.UrllibTransport()

            def send(self, method: str, url: str, headers: Any, body: bytes, timeout: Any = None) -> Any:
                self.limits.append((url.rsplit("/", 1)[-1], timeout))
                return self.inner.send(method, url, headers, body, timeout=timeout)

        recording = Recording()
        credentials = credmint.ExternalAccountCredentials.from_info(info, transport=recording)
        check_token(credentials.token())
        assert seen == ["Test"]
        # The credential source's request goes out within the core's limit, like the STS exchange.
        assert recording.limits == [("token", 20.0), ("token", 20.0)]
        credentials = credmint.ExternalAccountCredentials.from_info(info)
        # The federated token itself can impersonate storage-signer.
        federated = credentials.token()
        minted = credmint.iam.generate_access_token(federated, SIGNER, endpoint=emulator.base)
        check_token(minted)
    finally:
        server.shutdown()


def test_a_url_source_that_fails_is_typed_by_its_status() -> None:
    # The core types the answer: 503 is retried, 404 is not_found, a redirect is
    # invalid_response; the server's words never carry its header.
    statuses: List[int] = []

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        status = statuses.pop(0)
        body = f"unavailable {handler.headers.get('Authorization')}".encode()
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        if status == 302:
            handler.send_header("Location", "http://elsewhere.example/")
        handler.end_headers()
        handler.wfile.write(body)

    server = _serve_get(answer)
    try:
        info = {
            "type": "external_account",
            "audience": PROVIDER,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": "http://127.0.0.1:9/v1/token",
            "credential_source": {
                "url": f"http://127.0.0.1:{server.server_address[1]}/token",
                "headers": {"Authorization": "Bearer url-source-secret-123"},
            },
        }
        # A 503 is retried (as every metadata call is): here the retry meets a 404.
        for answers, code, status in [([503, 404], "not_found", 404), ([404], "not_found", 404),
                                      ([302], "invalid_response", 302)]:
            statuses.extend(answers)
            with pytest.raises(credmint.RemoteError) as raised:
                credmint.ExternalAccountCredentials.from_info(info).token()
            assert (raised.value.code, raised.value.retryable) == (code, False), answers
            assert raised.value.status == status
            assert statuses == [], f"{answers}: not every answer was asked for"
            assert "url-source-secret-123" not in str(raised.value)
    finally:
        server.shutdown()


def test_no_repr_or_str_shows_a_secret(emulator: Emulator) -> None:
    key = credmint.ServiceAccountKey.from_file(emulator.key_file(CI))
    with open(emulator.key_file(CI), encoding="utf-8") as file:
        private_key_body = json.load(file)["private_key"].splitlines()[3]
    sa = credmint.ServiceAccountCredentials(key)
    token = sa.token()
    id_token = sa.id_token("https://svc.example")
    ibm = credmint.IbmApiKeyCredentials(APIKEY, url=emulator.base)
    ibm_token = ibm.token()
    client = credmint.ClientCredentials(f"{emulator.base}/token", ADMIN[0], ADMIN[1])
    secrets = [private_key_body, token.token, id_token.token, APIKEY, ibm_token.token, ibm_token.refresh_token or "", ADMIN[1]]
    objects: List[Any] = [
        key, sa, token, id_token, ibm, ibm_token, client, key.sign_jwt({"aud": "x"}), key.sign_blob(b"x"),
        credmint.ImpersonatedCredentials(sa, DEPLOYER), credmint.KeySet(key.jwks()),
        token._native, id_token._native, key._native,
    ]
    try:
        credmint.IbmApiKeyCredentials(APIKEY + "-wrong", url=emulator.base).token()
    except credmint.CredmintError as error:
        objects.append(error)
    for thing in objects:
        for shown in (repr(thing), str(thing)):
            for secret in secrets:
                assert secret not in shown, type(thing).__name__


def test_external_account_subject_token_from_an_executable(
    emulator: Emulator, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider_key = credmint.ServiceAccountKey.from_file(emulator.key_file("idp-0"))
    subject = provider_key.sign_jwt({"iss": "https://ci.example.com", "sub": "job-8", "aud": PROVIDER, "iat": int(time.time())})
    token_type = "urn:ietf:params:oauth:token-type:jwt"
    output = json.dumps({"version": 1, "success": True, "token_type": token_type,
                         "id_token": subject.signed_jwt, "expiration_time": int(time.time()) + 600})
    seen_env = tmp_path / "env.txt"
    script = tmp_path / "token.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE $GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE $1" > {seen_env}\n'
        f"cat <<'EOF'\n{output}\nEOF\n"
    )
    script.chmod(0o700)

    def info(command: str, **executable: Any) -> Dict[str, Any]:
        return {
            "type": "external_account", "audience": PROVIDER, "subject_token_type": token_type,
            "token_url": f"{emulator.base}/v1/token",
            "credential_source": {"executable": {"command": command, **executable}},
        }

    monkeypatch.delenv("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", raising=False)
    with pytest.raises(credmint.InvalidArgumentError, match="GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES"):
        credmint.ExternalAccountCredentials.from_info(info(f"{script} arg1")).token()

    monkeypatch.setenv("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", "1")
    check_token(credmint.ExternalAccountCredentials.from_info(info(f"{script} arg1")).token())
    assert seen_env.read_text().split() == [PROVIDER, "0", "arg1"]

    cached = tmp_path / "cached.json"
    cached.write_text(output)
    from_cache = credmint.ExternalAccountCredentials.from_info(info("/bin/false", output_file=str(cached)))
    check_token(from_cache.token())

    with pytest.raises(credmint.InvalidArgumentError, match="exited with status 1"):
        credmint.ExternalAccountCredentials.from_info(info("/bin/false")).token()
    with pytest.raises(credmint.InvalidArgumentError, match="could not start"):
        credmint.ExternalAccountCredentials.from_info(info(str(tmp_path / "missing"))).token()
