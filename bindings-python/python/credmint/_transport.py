"""HTTP for the core's conversations: the standard library by default,
``requests`` or ``httpx`` (sync and async) when the caller passes a session
or client. A transport only moves bytes; every protocol rule is the core's,
the time limit of each request included.

Time limits: every ``send`` step carries the core's limit for that request
(connect, send and read the whole answer; ``timeout_millis``, 20 s unless the
conversation says otherwise). ``drive`` passes it to the transport as
``timeout=`` seconds, and a transport abandons the request when it has
passed; no transport here has a limit of its own. A custom transport's
``send(method, url, headers, body)`` gets ``timeout=`` too when it accepts that
keyword (or ``**kwargs``); one that does not cannot be bounded by credmint when
it is synchronous (an async one is cancelled at the limit)."""

from __future__ import annotations

import time
TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

from . import _host, _native
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from typing import Any, Callable, List, Optional, Tuple

    Headers = List[Tuple[str, str]]

#: The most response body any conversation reads; the core refuses more.
MAX_BODY: int = _native.MAX_RESPONSE_BODY
#: Seconds a request may take when ``send`` is called without ``timeout=``: the
#: core's default limit (``DEFAULT_TIMEOUT_MILLIS``), never a choice of this module.
DEFAULT_TIMEOUT: float = _native.DEFAULT_TIMEOUT_MILLIS / 1000
#: Bytes read at a time from a streamed body, between looks at the deadline.
_CHUNK = 64 * 1024


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


def _limit(timeout: Optional[float]) -> float:
    return DEFAULT_TIMEOUT if timeout is None else max(0.0, float(timeout))


def _timed_out(timeout: float) -> TransportFailure:
    return TransportFailure(f"no complete answer within {timeout:g} s")


def _read_by(deadline: float, timeout: float, read: Callable[[int], bytes]) -> bytes:
    """Reads a streamed body until its end, ``MAX_BODY + 1`` bytes or the deadline."""
    data = bytearray()
    while len(data) <= MAX_BODY:
        if time.monotonic() >= deadline:
            raise _timed_out(timeout)
        chunk = read(_CHUNK)
        if not chunk:
            break
        data += chunk
    return bytes(data[: MAX_BODY + 1])


def _remaining(deadline: float) -> float:
    """Seconds left before ``deadline``; a socket timeout once it has passed."""
    import socket

    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout("the request's time limit has passed")
    return left


class _DeadlineSocket:
    """A connected socket whose every operation ends by one deadline. urllib's
    own ``timeout`` bounds each socket operation, so a server that trickles its
    answer could otherwise hold a request far past its limit. Closing follows
    ``socket.socket``: the socket stays open while a file made from it is."""

    def __init__(self, sock: Any, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._files = 0
        self._closing = False

    def sendall(self, data: Any, *flags: Any) -> None:
        self._sock.settimeout(_remaining(self._deadline))
        self._sock.sendall(data, *flags)

    def recv_into(self, buffer: Any, *args: Any) -> int:
        self._sock.settimeout(_remaining(self._deadline))
        result: int = self._sock.recv_into(buffer, *args)
        return result

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> Any:
        import io
        import socket

        self._files += 1
        return io.BufferedReader(socket.SocketIO(self, "rb"))  # type: ignore[arg-type]

    def _decref_socketios(self) -> None:
        self._files -= 1
        if self._closing and self._files <= 0:
            self._sock.close()

    def close(self) -> None:
        self._closing = True
        if self._files <= 0:
            self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


if TYPE_CHECKING:
    from http.client import HTTPConnection as _Connection
else:
    _Connection = object  # a mixin at run time: see _deadline_connection


class _Deadline(_Connection):
    """What ``_deadline_connection`` adds to an ``http.client`` connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        timeout: Any = self.timeout  # urllib passes the request's limit
        self._deadline = time.monotonic() + timeout

    def connect(self) -> None:
        self.timeout = _remaining(self._deadline)
        super().connect()
        self.sock = _DeadlineSocket(self.sock, self._deadline)


def _deadline_connection(base: Any) -> Any:
    """``base`` (``http.client.HTTPConnection`` or ``HTTPSConnection``) bounded
    as a whole by the ``timeout`` it is made with: the connection attempt gets
    the time left, then every socket operation does (a TLS handshake is bounded
    per operation)."""
    return type("DeadlineConnection", (_Deadline, base), {})


class UrllibTransport:
    """The standard library's ``urllib.request``, without following redirects,
    each request bounded as a whole by its ``timeout`` (proxies from the
    environment are honoured as urllib does)."""

    def __init__(self) -> None:
        import urllib.request

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        class _Http(urllib.request.HTTPHandler):
            def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
                return super().do_open(_deadline_connection(http_class), req, **kwargs)

        handlers: List[Any] = [_NoRedirect, _Http]
        if hasattr(urllib.request, "HTTPSHandler"):  # Python built without ssl has none

            class _Https(urllib.request.HTTPSHandler):
                def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
                    return super().do_open(_deadline_connection(http_class), req, **kwargs)

            handlers.append(_Https)
        self._opener = urllib.request.build_opener(*handlers)

    def send(
        self, method: str, url: str, headers: Headers, body: bytes, timeout: Optional[float] = None
    ) -> Response:
        import http.client
        import socket
        import urllib.error
        import urllib.request

        limit = _limit(timeout)
        request = urllib.request.Request(
            url, data=body if method != "GET" else None, headers=dict(headers), method=method
        )
        try:
            with self._opener.open(request, timeout=limit) as answer:
                return Response(answer.status, list(answer.getheaders()), answer.read(MAX_BODY + 1))
        except urllib.error.HTTPError as answer:
            try:
                with answer:
                    return Response(answer.code, list(answer.headers.items()), answer.read(MAX_BODY + 1))
            except (OSError, http.client.HTTPException) as failure:
                if isinstance(failure, socket.timeout):
                    raise _timed_out(limit) from None
                raise TransportFailure(_describe(failure)) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as failure:
            if isinstance(failure, socket.timeout) or isinstance(getattr(failure, "reason", None), socket.timeout):
                raise _timed_out(limit) from None
            raise TransportFailure(_describe(failure)) from None


class RequestsTransport:
    """A ``requests.Session``. Connecting and waiting for the answer share the
    request's ``timeout`` (urllib3's ``total``); the body is read by chunks
    until the same deadline, so a trickling body overruns it by one read at most."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def send(
        self, method: str, url: str, headers: Headers, body: bytes, timeout: Optional[float] = None
    ) -> Response:
        import functools

        import requests
        from urllib3.util import Timeout

        limit = _limit(timeout)
        deadline = time.monotonic() + limit
        try:
            with self._session.request(
                method,
                url,
                headers=dict(headers),
                data=body or None,
                timeout=Timeout(total=limit),
                allow_redirects=False,
                stream=True,
            ) as answer:
                raw = answer.raw
                read = functools.partial(getattr(raw, "read1", raw.read), decode_content=True)
                data = _read_by(deadline, limit, read)
                return Response(answer.status_code, list(answer.headers.items()), data)
        except requests.Timeout:
            raise _timed_out(limit) from None
        except requests.RequestException as failure:
            raise TransportFailure(_describe(failure)) from None


def _read_limited(chunks: Any, deadline: float, timeout: float) -> bytes:
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > MAX_BODY:
            break
        if time.monotonic() >= deadline:
            raise _timed_out(timeout)
    return bytes(data[: MAX_BODY + 1])


class HttpxTransport:
    """An ``httpx.Client``. httpx bounds each operation (connect, write, every
    read) by the request's ``timeout``; the answer is given up once that has
    passed since the start, so a trickling answer overruns it by one read at most."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def send(
        self, method: str, url: str, headers: Headers, body: bytes, timeout: Optional[float] = None
    ) -> Response:
        import httpx

        limit = _limit(timeout)
        deadline = time.monotonic() + limit
        try:
            with self._client.stream(
                method, url, headers=headers, content=body or None, timeout=limit,
                follow_redirects=False,
            ) as answer:
                data = _read_limited(answer.iter_bytes(), deadline, limit)
                return Response(answer.status_code, list(answer.headers.items()), data)
        except httpx.TimeoutException:
            raise _timed_out(limit) from None
        except httpx.HTTPError as failure:
            raise TransportFailure(_describe(failure)) from None


class AsyncHttpxTransport:
    """An ``httpx.AsyncClient``: httpx bounds each operation by the request's
    ``timeout``, and ``drive_async`` cancels the request once it has passed."""

    is_async = True

    def __init__(self, client: Any) -> None:
        self._client = client

    async def send(
        self, method: str, url: str, headers: Headers, body: bytes, timeout: Optional[float] = None
    ) -> Response:
        import httpx

        limit = _limit(timeout)
        try:
            async with self._client.stream(
                method, url, headers=headers, content=body or None, timeout=limit,
                follow_redirects=False,
            ) as answer:
                data = bytearray()
                async for chunk in answer.aiter_bytes():
                    data += chunk
                    if len(data) > MAX_BODY:
                        break
                return Response(answer.status_code, list(answer.headers.items()), bytes(data))
        except httpx.TimeoutException:
            raise _timed_out(limit) from None
        except httpx.HTTPError as failure:
            raise TransportFailure(_describe(failure)) from None


def _describe(failure: BaseException) -> str:
    reason = getattr(failure, "reason", None) or failure
    return f"{type(failure).__name__}: {reason}"[:300]


def resolve(transport: Any) -> Any:
    """The transport for what the caller passed: nothing (urllib), a
    ``requests.Session``, an ``httpx.Client``/``AsyncClient``, or an object
    with a ``send(method, url, headers, body)`` method (given ``timeout=``
    seconds too when it accepts that keyword: see the module's note)."""
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


def takes_timeout(send: Any) -> bool:
    """Whether ``send`` accepts a ``timeout`` keyword (or any keyword)."""
    code = getattr(getattr(send, "__func__", send), "__code__", None)
    if code is not None:
        named = code.co_varnames[code.co_posonlyargcount : code.co_argcount + code.co_kwonlyargcount]
        return "timeout" in named or bool(code.co_flags & 0x08)  # CO_VARKEYWORDS
    import inspect

    try:
        parameters = inspect.signature(send).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        (p.name == "timeout" and p.kind is not p.POSITIONAL_ONLY) or p.kind is p.VAR_KEYWORD
        for p in parameters
    )


def _send(transport: Any, step: Tuple[Any, ...]) -> Any:
    """Calls ``transport.send`` for a ``send`` step, with its time limit in seconds."""
    _, method, url, headers, body, timeout_millis = step
    if takes_timeout(transport.send):
        return transport.send(method, url, headers, body, timeout=timeout_millis / 1000)
    return transport.send(method, url, headers, body)


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
                answer = _send(transport, step)
            except TransportFailure as failure:
                conversation.feed_transport_error(str(failure))
                continue
            conversation.feed_response(answer.status, answer.headers, answer.body)
        elif kind == "wait":
            time.sleep(max(0.0, step[1] - time.time()))
        elif kind == "done":
            return step[1]
        elif not _host.answer(conversation, step):
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
            limit = step[5] / 1000
            try:
                # Bounded here too, for custom async transports that take no timeout.
                answer = await asyncio.wait_for(_send(transport, step), limit)
            except asyncio.TimeoutError:
                conversation.feed_transport_error(str(_timed_out(limit)))
                continue
            except TransportFailure as failure:
                conversation.feed_transport_error(str(failure))
                continue
            conversation.feed_response(answer.status, answer.headers, answer.body)
        elif kind == "wait":
            await asyncio.sleep(max(0.0, step[1] - time.time()))
        elif kind == "done":
            return step[1]
        elif kind in ("read_file", "read_env", "run"):
            # Files and commands block: off the event loop.
            await asyncio.get_running_loop().run_in_executor(None, _host.answer, conversation, step)
        else:
            raise InvalidArgumentError("this conversation needs an external signer")


