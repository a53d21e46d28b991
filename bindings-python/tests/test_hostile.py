"""Secrets under fault: a hostile token server that echoes each request back
inside its error, redirects to another host, or answers with a huge or binary
body. No secret (refresh token, client secret, API key, assertion) may appear
in any exception's message or repr or in a log line; no redirect is followed;
every failure is a typed error."""

import http.server
import json
import logging
import threading
from typing import Any, Callable, Iterator, List, Tuple

import pytest

import credmint
from conftest import vector_file

REFRESH = "1//0g-hostile-refresh-token-ABC123"
CLIENT_SECRET = "GOCSPX-hostile-client-secret-XYZ"
API_KEY = "hostile-ibm-api-key-0123456789"
OAUTH_SECRET = "hostile-oauth-client-secret-456"


class _Server:
    """A loopback HTTP server whose every answer `behaviour` makes."""

    def __init__(self, behaviour: Callable[[http.server.BaseHTTPRequestHandler, bytes], None]) -> None:
        self.requests: List[Tuple[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                outer.requests.append((self.path, self.headers.get("authorization") or ""))
                behaviour(self, body)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _answer(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, headers: Any = ()) -> None:
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def echo_oauth(handler: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
    said = body.decode(errors="replace") + " " + (handler.headers.get("authorization") or "")
    payload = {"error": "invalid_grant", "error_description": said, "errorCode": "BXNIM0415E", "errorMessage": said}
    _answer(handler, 400, json.dumps(payload).encode(), [("content-type", "application/json")])


def echo_google(handler: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
    said = body.decode(errors="replace") + " " + (handler.headers.get("authorization") or "")
    payload = {"error": {"code": 403, "message": said, "status": "PERMISSION_DENIED"}}
    _answer(handler, 403, json.dumps(payload).encode(), [("content-type", "application/json")])


def binary(handler: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
    _answer(handler, 400, bytes(range(256)) * 4 + body, [("content-type", "application/octet-stream")])


def huge(handler: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
    _answer(handler, 200, b"{\"access_token\": \"" + b"A" * (12 * 1024 * 1024) + b"\"}", [("content-type", "application/json")])


def documents(url: str) -> Iterator[Tuple[str, Any, List[str]]]:
    """(name, credentials, secrets) of every kind that sends a secret to `url`."""
    user = {"type": "authorized_user", "client_id": "hostile.apps.googleusercontent.com",
            "client_secret": CLIENT_SECRET, "refresh_token": REFRESH}
    yield "authorized_user", credmint.Credentials.from_info(user, token_uri=f"{url}/token"), [REFRESH, CLIENT_SECRET]
    ibm = {"type": "ibm_api_key", "apikey": API_KEY}
    yield "ibm_api_key", credmint.Credentials.from_info(ibm, token_uri=url), [API_KEY]
    client = {"type": "oauth_client_credentials", "token_url": f"{url}/oauth/token", "client_id": "hostile-client",
              "client_secret": OAUTH_SECRET, "scopes": ["credentials.read"]}
    yield "oauth_client_credentials", credmint.Credentials.from_info(client), [OAUTH_SECRET]
    key = json.loads((pathlib_root() / "tests" / "vectors" / "keys" / "google_service_account.json").read_text())
    yield "service_account", credmint.Credentials.from_info(key, token_uri=f"{url}/token"), [
        line for line in key["private_key"].splitlines() if not line.startswith("-----")
    ]


def pathlib_root() -> Any:
    import pathlib

    return pathlib.Path(__file__).resolve().parents[2]


def _fail(credentials: Any, caplog: pytest.LogCaptureFixture) -> credmint.CredmintError:
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(credmint.CredmintError) as raised:
            credentials.token()
    return raised.value


def _shown(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    parts = [str(error), repr(error), caplog.text]
    parts.extend(repr(getattr(error, name, "")) for name in ("message", "remote_code", "reason", "permission"))
    cause = error.__cause__ or error.__context__
    if cause is not None:
        parts.extend([str(cause), repr(cause)])
    return "\n".join(parts)


@pytest.mark.parametrize("behaviour", [echo_oauth, echo_google, binary], ids=["echo-oauth", "echo-google", "binary"])
def test_a_hostile_error_body_never_carries_a_secret(behaviour: Any, caplog: pytest.LogCaptureFixture) -> None:
    server = _Server(behaviour)
    try:
        for name, credentials, secrets in documents(server.url):
            caplog.clear()
            error = _fail(credentials, caplog)
            shown = _shown(error, caplog)
            assert error.code in {"credential_rejected", "permission_denied", "remote_error"}, (name, error.code)
            if behaviour is echo_oauth:
                # The echo reached the message (every kind reads this
                # envelope), with the secrets scrubbed out.
                assert "[redacted]" in str(error), (name, str(error))
            for secret in secrets + [credentials_assertion_marker()]:
                assert secret not in shown, f"{name}: a secret in {shown!r}"
    finally:
        server.close()


def credentials_assertion_marker() -> str:
    # Every JWT-bearer assertion starts with this header; an echoed assertion
    # (form-encoded or not) would show it.
    return "eyJhbGciOiJSUzI1NiIs"


def test_a_redirect_is_not_followed_with_credentials(caplog: pytest.LogCaptureFixture) -> None:
    elsewhere = _Server(lambda handler, body: _answer(handler, 200, b"{}"))
    redirector = _Server(lambda handler, body: _answer(handler, 307, b"", [("location", f"{elsewhere.url}/steal")]))
    try:
        for name, credentials, secrets in documents(redirector.url):
            caplog.clear()
            error = _fail(credentials, caplog)
            assert error.code == "invalid_response", (name, error.code)
            assert "redirect" in str(error)
            shown = _shown(error, caplog)
            for secret in secrets:
                assert secret not in shown
        assert elsewhere.requests == [], "a redirect was followed"
        assert len(redirector.requests) == 4
    finally:
        redirector.close()
        elsewhere.close()


def test_a_huge_answer_is_refused_not_read_whole(caplog: pytest.LogCaptureFixture) -> None:
    server = _Server(huge)
    try:
        for name, credentials, _ in documents(server.url):
            error = _fail(credentials, caplog)
            assert error.code == "invalid_response", (name, error.code)
            assert "AAAAAAAAAAAAAAAA" not in str(error)
    finally:
        server.close()
