"""HTTP for the core's conversations: the standard library by default,
``requests`` or ``httpx`` (sync and async) when the caller passes a session
or client. A transport only moves bytes; every protocol rule is the core's."""

from __future__ import annotations

import time
TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

from . import _native
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from typing import Any, List, Tuple

    Headers = List[Tuple[str, str]]

#: The most response body any conversation reads; the core refuses more.
MAX_BODY: int = _native.MAX_RESPONSE_BODY
#: Seconds before a request is abandoned (the core then retries or fails).
DEFAULT_TIMEOUT = 30.0


class Response(tuple):  # type: ignore[type-arg]
    """What came back: ``(status, headers, body)``, the body at most ``MAX_BODY + 1`` bytes."""

    __slots__ = ()

    def __new__(cls, status: int, headers: Headers, body: bytes) -> Response:
        return tuple.__new__(cls, (status, headers, body))

    @property
    def status(self) -> int:
        result: int = self[0]
        return result

    @property
    def headers(self) -> Headers:
        result: Headers = self[1]
        return result

    @property
    def body(self) -> bytes:
        result: bytes = self[2]
        return result


class TransportFailure(Exception):
    """The request could not be completed; the core decides whether to retry."""


class UrllibTransport:
    """The standard library's ``urllib.request``, without following redirects."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        import urllib.request

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def send(self, method: str, url: str, headers: Headers, body: bytes) -> Response:
        import http.client
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            url, data=body if method != "GET" else None, headers=dict(headers), method=method
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as answer:
                return Response(answer.status, list(answer.getheaders()), answer.read(MAX_BODY + 1))
        except urllib.error.HTTPError as answer:
            with answer:
                return Response(answer.code, list(answer.headers.items()), answer.read(MAX_BODY + 1))
        except (urllib.error.URLError, OSError, http.client.HTTPException) as failure:
            raise TransportFailure(_describe(failure)) from None


class RequestsTransport:
    """A ``requests.Session``."""

    def __init__(self, session: Any, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._session = session
        self._timeout = timeout

    def send(self, method: str, url: str, headers: Headers, body: bytes) -> Response:
        import requests

        try:
            with self._session.request(
                method,
                url,
                headers=dict(headers),
                data=body or None,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
            ) as answer:
                data = answer.raw.read(MAX_BODY + 1, decode_content=True)
                return Response(answer.status_code, list(answer.headers.items()), data)
        except requests.RequestException as failure:
            raise TransportFailure(_describe(failure)) from None


def _read_limited(chunks: Any) -> bytes:
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > MAX_BODY:
            break
    return bytes(data[: MAX_BODY + 1])


class HttpxTransport:
    """An ``httpx.Client``."""

    def __init__(self, client: Any, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._client = client
        self._timeout = timeout

    def send(self, method: str, url: str, headers: Headers, body: bytes) -> Response:
        import httpx

        try:
            with self._client.stream(
                method, url, headers=headers, content=body or None, timeout=self._timeout,
                follow_redirects=False,
            ) as answer:
                data = _read_limited(answer.iter_bytes())
                return Response(answer.status_code, list(answer.headers.items()), data)
        except httpx.HTTPError as failure:
            raise TransportFailure(_describe(failure)) from None


class AsyncHttpxTransport:
    """An ``httpx.AsyncClient``."""

    is_async = True

    def __init__(self, client: Any, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._client = client
        self._timeout = timeout

    async def send(self, method: str, url: str, headers: Headers, body: bytes) -> Response:
        import httpx

        try:
            async with self._client.stream(
                method, url, headers=headers, content=body or None, timeout=self._timeout,
                follow_redirects=False,
            ) as answer:
                data = bytearray()
                async for chunk in answer.aiter_bytes():
                    data += chunk
                    if len(data) > MAX_BODY:
                        break
                return Response(answer.status_code, list(answer.headers.items()), bytes(data))
        except httpx.HTTPError as failure:
            raise TransportFailure(_describe(failure)) from None


def _describe(failure: BaseException) -> str:
    reason = getattr(failure, "reason", None) or failure
    return f"{type(failure).__name__}: {reason}"[:300]


def resolve(transport: Any) -> Any:
    """The transport for what the caller passed: nothing (urllib), a
    ``requests.Session``, an ``httpx.Client``/``AsyncClient``, or an object
    with a ``send(method, url, headers, body)`` method."""
    if transport is None:
        return UrllibTransport()
    module = type(transport).__module__
    name = type(transport).__name__
    if module.startswith("requests") and name == "Session":
        return RequestsTransport(transport)
    if module.startswith("httpx") and name == "Client":
        return HttpxTransport(transport)
    if module.startswith("httpx") and name == "AsyncClient":
        return AsyncHttpxTransport(transport)
    if callable(getattr(transport, "send", None)):
        return transport
    raise InvalidArgumentError(
        f"transport must be a requests.Session, an httpx client or have send(); got {name}"
    )


def is_async(transport: Any) -> bool:
    """Whether ``transport.send`` is a coroutine function (``async def``)."""
    flag = getattr(transport, "is_async", None)
    if flag is not None:
        return bool(flag)
    send = getattr(transport, "send", None)
    code = getattr(getattr(send, "__func__", send), "__code__", None)
    return bool(code is not None and code.co_flags & 0x80)  # CO_COROUTINE


def now() -> int:
    """The clock the core is given: whole Unix seconds."""
    return int(time.time())


def drive(conversation: Any, transport: Any) -> Any:
    """Drives a core conversation to its next ``done`` with a sync transport."""
    if is_async(transport):
        raise InvalidArgumentError("this transport is async: use the *_async method")
    while True:
        step = conversation.poll(now())
        kind = step[0]
        if kind == "send":
            try:
                answer = transport.send(step[1], step[2], step[3], step[4])
            except TransportFailure as failure:
                conversation.feed_transport_error(str(failure))
                continue
            conversation.feed_response(answer.status, answer.headers, answer.body)
        elif kind == "wait":
            time.sleep(max(0.0, step[1] - time.time()))
        elif kind == "done":
            return step[1]
        else:
            raise InvalidArgumentError("this conversation needs an external signer")


async def drive_async(conversation: Any, transport: Any) -> Any:
    """Drives a core conversation with an async transport (or a sync one in a thread)."""
    import asyncio

    if not is_async(transport):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, drive, conversation, transport)
    while True:
        step = conversation.poll(now())
        kind = step[0]
        if kind == "send":
            try:
                answer = await transport.send(step[1], step[2], step[3], step[4])
            except TransportFailure as failure:
                conversation.feed_transport_error(str(failure))
                continue
            conversation.feed_response(answer.status, answer.headers, answer.body)
        elif kind == "wait":
            await asyncio.sleep(max(0.0, step[1] - time.time()))
        elif kind == "done":
            return step[1]
        else:
            raise InvalidArgumentError("this conversation needs an external signer")


