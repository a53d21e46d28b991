"""Token caches shared by many processes: the core's ``SharedRefresh`` steps
answered with a store. Every key, value, expiry, wait and timeout comes from
the core; a store only gets, sets and deletes.

A store is any object with ``secret`` (bytes, or base64 text), ``options``
(the core's ``SharedCacheOptions`` as JSON, or ``None``) and the four
operations below, sync (``get`` …) and/or async (``aget`` …). A store that
fails or times out is treated as down for that refresh: callers keep their
in-process cache and go on.
"""

from __future__ import annotations

TYPE_CHECKING = False

from . import _native
from ._transport import drive, drive_async, now

if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Optional, Tuple

__all__ = ["MemoryTokenStore", "RedisTokenStore"]

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def _logger() -> Any:
    import logging

    return logging.getLogger("credmint")


def _store_failed(failure: BaseException) -> None:
    # The exception's type only: a store's message may quote what it was sent.
    _logger().warning("credmint: token store failed (%s); refreshing in-process", type(failure).__name__)


class _Refreshing:
    """Collects the outcome of the credential's conversation for one refresh."""

    def __init__(self) -> None:
        self.failure: Optional[BaseException] = None


def _options_json(**options: Any) -> Optional[str]:
    import json

    chosen = {k: v for k, v in options.items() if v is not None}
    return json.dumps(chosen) if chosen else None


class SharedTokens:
    """One credential's shared cache (access tokens, or one audience's ID tokens)."""

    def __init__(self, store: Any, native_credentials: Any, audience: Optional[str]) -> None:
        self._store = store
        self._cache = _native.SharedCache(store.secret, native_credentials, audience, store.options)

    @property
    def entry_key(self) -> str:
        key: str = self._cache.entry_key
        return key

    def refresh(self, current: Any, conversation: Callable[[], Any], transport: Any) -> Tuple[Any, int]:
        """A token and its refresh time, from the store or from ``conversation``."""
        import time

        store = self._store
        machine = self._cache.refresh(now(), current)
        state = _Refreshing()
        while True:
            step = machine.poll(now())
            kind = step[0]
            if kind == "done":
                return step[1], step[2]
            if kind == "failed":
                raise _failure(state)
            if kind == "wait":
                time.sleep(step[1] / 1000)
            elif kind == "refresh":
                try:
                    token = drive(conversation(), transport)
                except BaseException as failure:  # reported after the lease is released
                    state.failure = failure
                    machine.feed_refresh_failed()
                else:
                    machine.feed_token(token)
            else:
                try:
                    answer = getattr(store, kind)(*step[1:])
                except Exception as failure:
                    _store_failed(failure)
                    machine.feed_store_error()
                else:
                    _feed(machine, kind, answer)

    async def refresh_async(self, current: Any, conversation: Callable[[], Any], transport: Any) -> Tuple[Any, int]:
        """``refresh`` on the event loop, with the store's async operations."""
        import asyncio

        store = self._store
        machine = self._cache.refresh(now(), current)
        state = _Refreshing()
        while True:
            step = machine.poll(now())
            kind = step[0]
            if kind == "done":
                return step[1], step[2]
            if kind == "failed":
                raise _failure(state)
            if kind == "wait":
                await asyncio.sleep(step[1] / 1000)
            elif kind == "refresh":
                try:
                    token = await drive_async(conversation(), transport)
                except BaseException as failure:
                    state.failure = failure
                    machine.feed_refresh_failed()
                else:
                    machine.feed_token(token)
            else:
                try:
                    answer = await getattr(store, "a" + kind)(*step[1:])
                except Exception as failure:
                    _store_failed(failure)
                    machine.feed_store_error()
                else:
                    _feed(machine, kind, answer)


def _failure(state: _Refreshing) -> BaseException:
    if state.failure is None:  # pragma: no cover - the core reports failure only after one
        from .errors import TransportError

        return TransportError("the refresh failed", "transport_error", None, True)
    return state.failure


def _feed(machine: Any, kind: str, answer: Any) -> None:
    if kind == "get":
        machine.feed_value(None if answer is None else _text(answer))
    elif kind == "set_if_absent":
        machine.feed_set(bool(answer))
    else:
        machine.feed_ok()


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class MemoryTokenStore:
    """A store in this process's memory, with expiring keys: for tests, and
    for sharing one cache between credentials objects of one process."""

    def __init__(self, secret: Any, **options: Any) -> None:
        import threading

        self.secret = secret
        self.options = _options_json(**options)
        self._values: Dict[str, Tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> Optional[str]:
        import time

        found = self._values.get(key)
        if found is None or found[1] <= time.monotonic():
            self._values.pop(key, None)
            return None
        return found[0]

    def get(self, key: str, timeout_ms: int) -> Optional[str]:
        with self._lock:
            return self._live(key)

    def set_if_absent(self, key: str, value: str, ttl_ms: int, timeout_ms: int) -> bool:
        import time

        with self._lock:
            if self._live(key) is not None:
                return False
            self._values[key] = (value, time.monotonic() + ttl_ms / 1000)
            return True

    def set(self, key: str, value: str, ttl_ms: int, timeout_ms: int) -> None:
        import time

        with self._lock:
            self._values[key] = (value, time.monotonic() + ttl_ms / 1000)

    def delete_if_equals(self, key: str, value: str, timeout_ms: int) -> None:
        with self._lock:
            if self._live(key) == value:
                del self._values[key]

    async def aget(self, key: str, timeout_ms: int) -> Optional[str]:
        return self.get(key, timeout_ms)

    async def aset_if_absent(self, key: str, value: str, ttl_ms: int, timeout_ms: int) -> bool:
        return self.set_if_absent(key, value, ttl_ms, timeout_ms)

    async def aset(self, key: str, value: str, ttl_ms: int, timeout_ms: int) -> None:
        self.set(key, value, ttl_ms, timeout_ms)

    async def adelete_if_equals(self, key: str, value: str, timeout_ms: int) -> None:
        self.delete_if_equals(key, value, timeout_ms)

    def __repr__(self) -> str:
        return "MemoryTokenStore(secret=[redacted])"


class RedisTokenStore:
    """Redis (redis-py) as the shared store: ``GET``, ``SET NX PX`` for the
    lease, ``SET PX`` for the entry and a compare-and-delete script to release.
    Give ``url`` (clients are made with the core's store timeout on their
    sockets) or your own ``client`` / ``async_client`` (their timeouts apply).
    ``secret``: at least 32 random bytes, the same in every process."""

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        secret: Any,
        client: Any = None,
        async_client: Any = None,
        **options: Any,
    ) -> None:
        if url is None and client is None and async_client is None:
            from .errors import InvalidArgumentError

            raise InvalidArgumentError("RedisTokenStore needs a url or a client")
        self.secret = secret
        self.options = _options_json(**options)
        self._url = url
        self._client = client
        self._async_client = async_client

    def _sync(self, timeout_ms: int) -> Any:
        if self._client is None:
            import redis

            if self._url is None:
                raise RuntimeError("this RedisTokenStore was given only an async client")
            seconds = timeout_ms / 1000
            self._client = redis.Redis.from_url(self._url, socket_timeout=seconds, socket_connect_timeout=seconds)
        return self._client

    def _async(self, timeout_ms: int) -> Any:
        if self._async_client is None:
            import redis.asyncio

            if self._url is None:
                raise RuntimeError("this RedisTokenStore was given only a sync client")
            seconds = timeout_ms / 1000
            self._async_client = redis.asyncio.Redis.from_url(
                self._url, socket_timeout=seconds, socket_connect_timeout=seconds
            )
        return self._async_client

    def get(self, key: str, timeout_ms: int) -> Any:
        return self._sync(timeout_ms).get(key)

    def set_if_absent(self, key: str, value: str, ttl_ms: int, timeout_ms: int) -> bool:
        return bool(self._sync(timeout_ms).set(key, value, nx=True, px=ttl_ms))

    def set(self, key: str, value: str, ttl_ms: int, timeout_ms: int) -> None:
        self._sync(timeout_ms).set(key, value, px=ttl_ms)

    def delete_if_equals(self, key: str, value: str, timeout_ms: int) -> None:
        self._sync(timeout_ms).eval(_RELEASE, 1, key, value)

    async def aget(self, key: str, timeout_ms: int) -> Any:
        return await self._async(timeout_ms).get(key)

    async def aset_if_absent(self, key: str, value: str, ttl_ms: int, timeout_ms: int) -> bool:
        return bool(await self._async(timeout_ms).set(key, value, nx=True, px=ttl_ms))

    async def aset(self, key: str, value: str, ttl_ms: int, timeout_ms: int) -> None:
        await self._async(timeout_ms).set(key, value, px=ttl_ms)

    async def adelete_if_equals(self, key: str, value: str, timeout_ms: int) -> None:
        await self._async(timeout_ms).eval(_RELEASE, 1, key, value)

    def __repr__(self) -> str:
        return f"RedisTokenStore(url={'given' if self._url else None}, secret=[redacted])"
