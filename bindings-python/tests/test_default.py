"""Credential documents and Application Default Credentials through the
Python binding: the shared vectors (credentials.json, adc.json) byte for byte,
and ``credmint.default()`` answering the core's questions from the real
environment and file system."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict, List

import pytest

import credmint
from credmint import _native

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors"
NOW = 1700000000


def cases(name: str) -> List[Dict[str, Any]]:
    result: List[Dict[str, Any]] = json.loads((VECTORS / name).read_text())["cases"]
    return result


def check_send(name: str, expect: Dict[str, Any], step: Any) -> None:
    kind, method, url, headers, body, timeout_millis = step
    assert kind == "send", name
    assert (method, url, timeout_millis) == (expect["method"], expect["url"], expect["timeout_millis"]), name
    assert [list(pair) for pair in headers] == expect["headers"], name
    if "body" in expect:
        assert body.decode() == expect["body"], name
    if "body_starts_with" in expect:
        assert body.decode().startswith(expect["body_starts_with"]), name


def run(name: str, conversation: Any, script: Dict[str, Any]) -> Any:
    for step in script["steps"]:
        check_send(name, step["expect"], conversation.poll(NOW))
        answer = step["respond"]
        conversation.feed_response(answer["status"], [tuple(p) for p in answer["headers"]], answer["body"].encode())
    step = conversation.poll(NOW)
    assert step[0] == "done", name
    return step[1]


@pytest.mark.parametrize("case", cases("credentials.json"), ids=lambda c: c["name"])
def test_credential_document_vectors(case: Dict[str, Any]) -> None:
    name = case["name"]
    options = json.dumps(case["options"]) if "options" in case else None
    if "error" in case:
        with pytest.raises(credmint.CredmintError) as caught:
            _native.Credentials.from_json(case["document"], options)
        assert caught.value.code == case["error"], name
        return
    creds = _native.Credentials.from_json(case["document"], options)
    facts = {
        "kind": creds.kind,
        "refresh_policy": creds.refresh_policy,
        "universe_domain": creds.universe_domain,
        "project_id": creds.project_id,
        "quota_project_id": creds.quota_project_id,
        "service_account_email": creds.service_account_email,
    }
    assert facts == case["expect"], name
    for which in ("access_token", "id_token"):
        script = case.get(which)
        if script is None:
            continue
        try:
            if which == "access_token":
                token = run(name, creds.access_token(), script)
                got = {"token": token.token, "obtained_at": token.obtained_at_unix,
                       "expires_at": token.expires_at_unix}
            else:
                token = run(name, creds.id_token(script["audience"]), script)
                got = {"token": token.token, "expires_at": token.expires_at_unix}
        except credmint.CredmintError as error:
            assert error.code == script.get("error"), f"{name}: {error}"
            continue
        assert got == script["done"], name


@pytest.mark.parametrize("case", cases("adc.json"), ids=lambda c: c["name"])
def test_adc_vectors(case: Dict[str, Any]) -> None:
    name = case["name"]
    adc = _native.default_credentials(list(case["env"].items()), case["windows"], None)
    exchanges = iter(case["exchanges"])
    files_read: List[str] = []
    now = NOW
    waited = False
    try:
        while True:
            step = adc.poll(now)
            if step[0] == "read_file":
                files_read.append(step[1])
                content = case["files"].get(step[1])
                if content is None:
                    adc.feed_host("missing")
                elif isinstance(content, str):
                    adc.feed_host("file", content.encode())
                else:
                    adc.feed_host("unreadable", content["error"])
            elif step[0] == "send":
                exchange = next(exchanges)
                check_send(name, exchange["expect"], step)
                if "transport_error" in exchange:
                    adc.feed_transport_error(exchange["transport_error"])
                else:
                    answer = exchange["respond"]
                    adc.feed_response(answer["status"], [tuple(p) for p in answer["headers"]],
                                      answer["body"].encode())
            elif step[0] == "wait":
                assert step[1] > now, name
                waited, now = True, step[1]
            else:
                assert step[0] == "done", f"{name}: {step[0]}"
                creds, source, path, project_id = step[1]
                break
    except credmint.CredmintError as error:
        assert "error" in case, f"{name}: {error}"
        assert error.code == case["error"]["code"], name
        for word in case["error"]["mentions"]:
            assert word in str(error), f"{name}: {error}"
        return
    assert next(exchanges, None) is None, name
    got: Dict[str, Any] = {"source": source, "path": path, "kind": creds.kind, "project_id": project_id,
                           "quota_project_id": creds.quota_project_id, "files_read": files_read}
    if waited:
        got["waited"] = True
    assert got == case["expect"], name


def test_default_reads_the_file_the_environment_names(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = (VECTORS / "keys" / "sa_2048_pkcs8.json").read_text()
    path = tmp_path / "sa.json"
    path.write_text(key)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    monkeypatch.setenv("GOOGLE_CLOUD_QUOTA_PROJECT", "env-quota")
    creds, project = credmint.default()
    assert isinstance(creds, credmint.DocumentCredentials)
    assert (creds.kind, project, creds.quota_project_id) == ("service_account", "credmint-vectors", "env-quota")
    assert creds.service_account_email == json.loads(key)["client_email"]


def test_default_names_a_missing_file(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "nope.json"))
    with pytest.raises(credmint.CredentialsNotFoundError) as caught:
        credmint.default()
    assert caught.value.code == "credentials_not_found"
    assert "GOOGLE_APPLICATION_CREDENTIALS" in str(caught.value) and "nope.json" in str(caught.value)


def test_default_finds_the_gcloud_file(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    user = {"type": "authorized_user", "client_id": "c", "client_secret": "hunter2", "refresh_token": "1//r3fresh"}
    (tmp_path / "application_default_credentials.json").write_text(json.dumps(user))
    creds, project = credmint.default()
    assert creds.kind == "authorized_user"  # type: ignore[attr-defined]
    assert "hunter2" not in repr(creds) and "r3fresh" not in repr(creds)
    with pytest.raises(credmint.NotSupportedError):
        creds.id_token("https://svc.example")  # type: ignore[attr-defined]


def test_no_metadata_server_fails_fast(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback-refused: the quick ping gives up at once (measured: well under 1 s)."""
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: connections are refused
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "K_SERVICE", "METADATA_SERVER_DETECTION", "NO_GCE_CHECK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    monkeypatch.setenv("GCE_METADATA_HOST", f"127.0.0.1:{port}")
    monkeypatch.setenv("METADATA_SERVER_DETECTION", "ping-only")
    started = time.monotonic()
    with pytest.raises(credmint.CredentialsNotFoundError) as caught:
        credmint.default()
    elapsed = time.monotonic() - started
    assert "2 attempts" in str(caught.value)
    print(f"no metadata server (loopback refused): {elapsed * 1000:.1f} ms")


def test_from_json_matches_every_constructor(tmp_path: pathlib.Path) -> None:
    key = (VECTORS / "keys" / "sa_2048_pkcs8.json").read_text()
    path = tmp_path / "sa.json"
    path.write_text(key)
    for creds in (
        credmint.Credentials.from_json(key),
        credmint.Credentials.from_info(json.loads(key)),
        credmint.Credentials.from_file(path),
        credmint.load_credentials_from_file(str(path), scopes="openid"),
    ):
        assert isinstance(creds, credmint.DocumentCredentials) and creds.kind == "service_account"
    with pytest.raises(credmint.InvalidKeyError):
        credmint.Credentials.from_json('{"type": "kerberos"}')
    with pytest.raises(credmint.InvalidArgumentError):
        credmint.Credentials.from_json(key, token_urx="https://x.example")


def _keys(emulator: Any, name: str) -> str:
    return os.path.join(emulator.dir.name, "keys", name)


def test_default_finds_the_emulators_metadata_server(
    emulator: Any, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    host = emulator.base.removeprefix("http://")
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "K_SERVICE", "METADATA_SERVER_DETECTION", "NO_GCE_CHECK",
                 "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "GCE_METADATA_IP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    monkeypatch.setenv("GCE_METADATA_HOST", host)
    started = time.monotonic()
    creds, project = credmint.default()
    token = creds.token()
    elapsed = time.monotonic() - started
    print(f"ADC to the first metadata token against the emulator: {elapsed * 1000:.1f} ms")
    assert (creds.kind, project) == ("gce_metadata", "demo-project")  # type: ignore[attr-defined]
    assert token.token and token.expires_at.timestamp() > credmint._transport.now()
    claims = credmint.verify(
        creds.id_token("https://svc.example").token,  # type: ignore[attr-defined]
        json.loads(urlopen(emulator.base + "/oauth2/v3/certs")),
        audience="https://svc.example",
    )
    assert claims["email"] == "ci-runner@demo-project.iam.gserviceaccount.com"


def urlopen(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
        return data


@pytest.mark.parametrize(
    "name, kind",
    [("authorized_user.json", "authorized_user"),
     ("impersonated_service_account.json", "impersonated_service_account"),
     ("external_account_authorized_user.json", "external_account_authorized_user")],
)
def test_every_file_the_emulator_writes_gives_a_token(emulator: Any, name: str, kind: str) -> None:
    creds = credmint.Credentials.from_file(_keys(emulator, name))
    assert creds.kind == kind  # type: ignore[attr-defined]
    token = creds.token()
    assert token.token and token.expires_at.timestamp() > credmint._transport.now()
    if kind == "impersonated_service_account":
        target = creds.service_account_email  # type: ignore[attr-defined]
        claims = credmint.verify(
            creds.id_token("https://svc.example").token,  # type: ignore[attr-defined]
            json.loads(urlopen(emulator.base + "/oauth2/v3/certs")),
            audience="https://svc.example",
        )
        assert claims["email"] == target
    else:
        with pytest.raises(credmint.NotSupportedError):
            creds.id_token("https://svc.example")  # type: ignore[attr-defined]


def test_caches_take_the_refresh_policy_the_core_chose() -> None:
    def refresh_at(document: str) -> Any:
        cache = _native.TokenCache.for_credentials(_native.Credentials.from_json(document, None))
        cache.lookup(NOW)
        cache.complete(_native.bearer_token("t", NOW, 10_000))
        return cache.refresh_at() - NOW

    # Refresh times minus up to 15 s of jitter: IBM at 80 % of the life, the
    # metadata server 240 s before expiry, Google's other credentials 225 s.
    assert refresh_at('{"type": "ibm_api_key", "apikey": "k"}') in range(8000 - 15, 8001)
    assert refresh_at('{"type": "gce_metadata"}') in range(9760 - 15, 9761)
    user = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"}
    assert refresh_at(json.dumps(user)) in range(9775 - 15, 9776)
    assert isinstance(credmint.IbmApiKeyCredentials("k")._access._cache, _native.TokenCache)
    # Impersonation has no document of its own: its caches take the core's IAM policy (Google's margin).
    assert _native.IAM_REFRESH_POLICY == "google"
    assert credmint.ImpersonatedCredentials._policy == _native.IAM_REFRESH_POLICY


def test_a_host_answer_of_the_wrong_form_is_refused() -> None:
    # Text where the core reads bytes (and bytes where it reads text) is an
    # error, never an empty file or an unset variable.
    for kind, value in (("file", "not bytes"), ("missing", b"anything")):
        adc = _native.default_credentials([("GOOGLE_APPLICATION_CREDENTIALS", "/nowhere/key.json")], False, None)
        step = adc.poll(NOW)
        assert step[0] == "read_file", step
        with pytest.raises(credmint.CredmintError) as raised:
            adc.feed_host(kind, value)
        assert raised.value.code == "invalid_argument"
        assert "anything" not in str(raised.value) and "not bytes" not in str(raised.value)
