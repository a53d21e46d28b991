"""Transports apply the core's time limit of each request: against a loopback
endpoint that accepts connections and never answers (or trickles its answer),
every transport ends in ``transport_error`` within the limits the
conversation's requests carry. The short limit comes from the conformance
flow's ``request_timeout_millis`` (FlowOptions), not from the binding."""

import asyncio
import json
import socket
import threading
import time
from typing import Any, Dict, Iterator, List, Tuple

import httpx
import pytest
import requests

import credmint
from credmint import _native, _transport
from credmint._credentials import _Cached
from conftest import VECTORS

LIMIT_MILLIS = 300
#: Two attempts: 300 ms, a 1 s back-off (whole seconds, so 0 to 1 s of it is
#: waited), 300 ms again.
RETRY = {"max_attempts": 2, "initial_delay_secs": 1, "max_delay_secs": 1, "max_retry_after_secs": 60}
SLOWEST = 2 * LIMIT_MILLIS / 1000 + 1 + 1.0  # plus scheduling slack on a busy machine


class Stalled:
    """A TCP server that accepts every connection and never writes a byte,
    or (``trickle``) sends response headers and then one body byte every 0.1 s."""

    def __init__(self, trickle: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.trickle = trickle
        self.accepted = 0
        self.open: List[socket.socket] = []
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            self.open.append(connection)
            if self.trickle:
                threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    def _drip(self, connection: socket.socket) -> None:
        try:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(1000):
                if self.closed.wait(0.1):
                    return
                connection.sendall(b" ")
        except OSError:
            pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        for connection in self.open:
            connection.close()


@pytest.fixture
def stalled() -> Iterator[Stalled]:
    server = Stalled()
    yield server
    server.close()


@pytest.fixture
def trickling() -> Iterator[Stalled]:
    server = Stalled(trickle=True)
    yield server
    server.close()


def grant(token_uri: str, limit_millis: int = LIMIT_MILLIS, retry: Dict[str, int] = RETRY) -> Any:
    """The JWT-bearer conversation to ``token_uri``, every request limited to ``limit_millis``."""
    key = json.loads((VECTORS / "keys" / "sa_2048_pkcs8.json").read_text(encoding="utf-8"))
    key["token_uri"] = token_uri
    spec = {
        "kind": "jwt_bearer", "key": {"text": json.dumps(key)},
        "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
        "retry": retry, "jitter_seed": 0, "request_timeout_millis": limit_millis,
    }
    return _native._conformance_flow(json.dumps(spec))


class Recording:
    """A custom sync transport that takes ``timeout`` and records it."""

    def __init__(self) -> None:
        self.inner = _transport.UrllibTransport()
        self.timeouts: List[float] = []

    def send(self, method: str, url: str, headers: Any, body: bytes, timeout: float) -> Any:
        self.timeouts.append(timeout)
        return self.inner.send(method, url, headers, body, timeout=timeout)


class Deaf:
    """A custom async transport that takes no ``timeout`` and never answers."""

    async def send(self, method: str, url: str, headers: Any, body: bytes) -> Any:
        await asyncio.sleep(3600)


def transport(kind: str) -> Any:
    return {
        "urllib": lambda: _transport.UrllibTransport(),
        "requests": lambda: _transport.RequestsTransport(requests.Session()),
        "httpx": lambda: _transport.HttpxTransport(httpx.Client()),
        "httpx-async": lambda: _transport.AsyncHttpxTransport(httpx.AsyncClient()),
        "custom": Recording,
        "custom-async-without-timeout": Deaf,
    }[kind]()


def run(conversation: Any, chosen: Any) -> Any:
    if _transport.is_async(chosen):
        return asyncio.run(_transport.drive_async(conversation, chosen))
    return _transport.drive(conversation, chosen)


KINDS = ["urllib", "requests", "httpx", "httpx-async", "custom", "custom-async-without-timeout"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_stalled_endpoint_ends_in_transport_error_within_the_limit(stalled: Stalled, kind: str) -> None:
    chosen = transport(kind)
    started = time.monotonic()
    with pytest.raises(credmint.TransportError) as caught:
        run(grant(stalled.url), chosen)
    elapsed = time.monotonic() - started
    assert caught.value.code == "transport_error" and caught.value.retryable
    if kind != "custom-async-without-timeout":
        assert stalled.accepted == 2, "both attempts reached the server"
    assert 2 * LIMIT_MILLIS / 1000 - 0.05 <= elapsed < SLOWEST, elapsed
    if isinstance(chosen, Recording):
        assert chosen.timeouts == [LIMIT_MILLIS / 1000] * 2


@pytest.mark.parametrize("kind", ["urllib", "requests", "httpx", "httpx-async"])
def test_a_trickling_answer_is_cut_at_the_limit(trickling: Stalled, kind: str) -> None:
    # One byte every 0.1 s never lets a socket read time out: only a deadline
    # over the whole exchange ends it.
    started = time.monotonic()
    with pytest.raises(credmint.TransportError):
        run(grant(trickling.url, 500, {**RETRY, "max_attempts": 1}), transport(kind))
    assert time.monotonic() - started < 1.5


class Refusing:
    def send(self, *args: Any, **kwargs: Any) -> Any:
        raise _transport.TransportFailure("refused")


def test_without_an_override_the_limit_is_the_cores_default() -> None:
    recording = Recording()
    recording.inner = Refusing()  # type: ignore[assignment]
    key = json.loads((VECTORS / "keys" / "sa_2048_pkcs8.json").read_text(encoding="utf-8"))
    key["token_uri"] = "http://127.0.0.1:9/token"
    spec = {"kind": "jwt_bearer", "key": {"text": json.dumps(key)}, "scopes": ["s"],
            "retry": {**RETRY, "max_attempts": 1}}
    with pytest.raises(credmint.TransportError):
        _transport.drive(_native._conformance_flow(json.dumps(spec)), recording)
    assert recording.timeouts == [_native.DEFAULT_TIMEOUT_MILLIS / 1000] == [20.0]
    assert _transport.DEFAULT_TIMEOUT == 20.0


def test_a_custom_transport_without_timeout_still_works() -> None:
    seen: List[Any] = []

    class Plain:
        def send(self, method: str, url: str, headers: Any, body: bytes) -> Any:
            seen.append(method)
            raise _transport.TransportFailure("no network here")

    with pytest.raises(credmint.TransportError):
        _transport.drive(grant("http://127.0.0.1:9/token", retry={**RETRY, "max_attempts": 1}), Plain())
    assert seen == ["POST"]
    assert _transport.takes_timeout(Recording().send)
    assert _transport.takes_timeout(lambda *a, **k: None)
    assert not _transport.takes_timeout(Plain().send)


def test_callers_waiting_on_a_stalled_refresh_get_its_error_without_a_refresh_of_their_own(
    stalled: Stalled,
) -> None:
    # The first caller's refresh fails at its 1.5 s limit; the caller waiting on
    # it gets that error at once instead of starting a second 1.5 s refresh
    # (before the core shared failures, it finished a whole limit later).
    limit = 1500
    cached = _Cached("google", lambda: grant(stalled.url, limit, retry={**RETRY, "max_attempts": 1}))
    chosen = _transport.UrllibTransport()
    outcomes: List[Tuple[str, float]] = []
    barrier = threading.Barrier(2)

    def caller() -> None:
        barrier.wait()
        try:
            cached.get(chosen)
            outcomes.append(("token", time.monotonic()))
        except credmint.CredmintError as failure:
            outcomes.append((failure.code, time.monotonic()))

    threads = [threading.Thread(target=caller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [code for code, _ in outcomes] == ["transport_error", "transport_error"]
    (_, first), (_, second) = outcomes
    assert second - first < limit / 1000 / 2, second - first
    assert stalled.accepted == 1, "the waiter sent a request of its own"
