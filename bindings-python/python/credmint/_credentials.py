"""Credentials that cache their tokens and refresh them once, however many
threads ask: the core's ``TokenCache`` decides who refreshes and when; this
module only waits, drives the conversation and reports."""

from __future__ import annotations

import abc

TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

from . import _native
from ._keys import ServiceAccountKey, SignedBlob, SignedJwt, _claims_json
from ._tokens import AccessToken, IdToken
from ._transport import drive, drive_async, now, resolve
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    import os
    from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

__all__ = [
    "Credentials",
    "DocumentCredentials",
    "ServiceAccountCredentials",
    "ImpersonatedCredentials",
    "ExternalAccountCredentials",
    "IbmApiKeyCredentials",
    "ClientCredentials",
]

#: How long a waiting thread sleeps between looks at an in-flight refresh.
_WAIT_SECONDS = 0.05


class _Cached:
    """One cache and the conversation that refills it. A caller told to wait
    notes which refresh it waits for; if that refresh fails, the core says so
    and the caller gets that refresh's error instead of starting another."""

    def __init__(self, cache: Any, conversation: Callable[[], Any], shared: Any = None) -> None:
        """``cache`` is a native ``TokenCache``, or the name of its refresh
        policy; ``shared``, a ``SharedTokens`` the chosen caller refreshes through."""
        import threading

        self._cache = _native.TokenCache(cache) if isinstance(cache, str) else cache
        self._conversation = conversation
        self._shared = shared
        self._refreshed = threading.Condition()
        self._failure: Optional[Exception] = None

    def _settle(self, fresh: Any, failure: Optional[BaseException] = None, until: Optional[int] = None) -> None:
        with self._refreshed:
            if fresh is None:
                self._failure = failure if isinstance(failure, Exception) else None
                self._cache.fail()
            elif until is None:
                self._cache.complete(fresh)
            else:
                self._cache.complete_until(fresh, until)
            self._refreshed.notify_all()

    def _refill(self, current: Any, transport: Any) -> Tuple[Any, Optional[int]]:
        if self._shared is None:
            return drive(self._conversation(), transport), None
        result: Tuple[Any, Optional[int]] = self._shared.refresh(current, self._conversation, transport)
        return result

    async def _refill_async(self, current: Any, transport: Any) -> Tuple[Any, Optional[int]]:
        if self._shared is None:
            return await drive_async(self._conversation(), transport), None
        result: Tuple[Any, Optional[int]] = await self._shared.refresh_async(current, self._conversation, transport)
        return result

    def _lookup(self, waited_for: Optional[int]) -> Tuple[str, Any]:
        if waited_for is None:
            result: Tuple[str, Any] = self._cache.lookup(now())
        else:
            result = self._cache.lookup_after_wait(now(), waited_for)
        return result

    def _failed(self) -> Exception:
        failure = self._failure
        if failure is None:  # pragma: no cover - only a BaseException can leave none
            from .errors import TransportError

            return TransportError("the refresh this caller waited for failed", "transport_error", None, True)
        return failure

    def get(self, transport: Any) -> Any:
        waited_for: Optional[int] = None
        while True:
            kind, token = self._lookup(waited_for)
            if kind == "fresh":
                return token
            if kind == "failed":
                raise self._failed()
            if kind == "wait":
                if waited_for is None:
                    waited_for = token  # the refresh waited for, read with the lookup
                with self._refreshed:
                    self._refreshed.wait(_WAIT_SECONDS)
                continue
            try:
                fresh, until = self._refill(token if kind == "refresh" else None, transport)
            except BaseException as failure:
                self._settle(None, failure)
                if kind == "refresh":
                    return token  # still valid; the next caller retries the refresh
                raise
            self._settle(fresh, until=until)
            return fresh

    async def get_async(self, transport: Any) -> Any:
        import asyncio

        waited_for: Optional[int] = None
        while True:
            kind, token = self._lookup(waited_for)
            if kind == "fresh":
                return token
            if kind == "failed":
                raise self._failed()
            if kind == "wait":
                if waited_for is None:
                    waited_for = token
                await asyncio.sleep(_WAIT_SECONDS)
                continue
            try:
                fresh, until = await self._refill_async(token if kind == "refresh" else None, transport)
            except BaseException as failure:
                self._settle(None, failure)
                if kind == "refresh":
                    return token
                raise
            self._settle(fresh, until=until)
            return fresh

    def invalidate(self) -> None:
        self._cache.invalidate()


class Credentials(abc.ABC):
    """Base of credmint's credentials: ``token()`` returns a cached access
    token, refreshed once when due, by one thread, whichever asks first."""

    _policy: str = _native.IAM_REFRESH_POLICY  # the core's; subclasses built from documents take theirs

    def __init__(self, transport: Any = None) -> None:
        self._transport = resolve(transport)
        self._access = _Cached(self._new_cache(), self._access_conversation)

    def _new_cache(self) -> Any:
        """A token cache with this credential's refresh policy."""
        return _native.TokenCache(self._policy)

    @abc.abstractmethod
    def _access_conversation(self) -> Any:
        """The core conversation that obtains a new access token."""

    def token(self) -> AccessToken:
        """A valid access token (cached; refreshed when due)."""
        return AccessToken(self._access.get(self._transport))

    async def token_async(self) -> AccessToken:
        """``token()`` for asyncio (an ``httpx.AsyncClient`` transport stays on the loop)."""
        return AccessToken(await self._access.get_async(self._transport))

    def invalidate(self) -> None:
        """Forgets the cached token, e.g. after an API answered 401 with it."""
        self._access.invalidate()

    @staticmethod
    def from_json(text: str, **options: Any) -> Credentials:
        """Credentials from a credential document of any ``type`` (its JSON text)."""
        from ._default import from_json

        return from_json(text, **options)

    @staticmethod
    def from_info(info: Dict[str, Any], **options: Any) -> Credentials:
        """Credentials from a parsed credential document (a dict)."""
        from ._default import from_info

        return from_info(info, **options)

    @staticmethod
    def from_file(path: Union[str, os.PathLike[str]], **options: Any) -> Credentials:
        """Credentials from a credential file of any ``type``."""
        from ._default import load_credentials_from_file

        return load_credentials_from_file(path, **options)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(...)"


class _IdTokens:
    """ID tokens cached per (audience, include_email)."""

    def __init__(
        self,
        make: Callable[[str, bool], Callable[[], Any]],
        new_cache: Callable[[], Any],
        shared: Optional[Callable[[str], Any]] = None,
    ) -> None:
        import threading

        self._make = make
        self._new_cache = new_cache
        self._shared = shared
        self._caches: Dict[Any, _Cached] = {}
        self._lock = threading.Lock()

    def cache(self, audience: str, include_email: bool) -> _Cached:
        key = (audience, include_email)
        with self._lock:
            cached = self._caches.get(key)
            if cached is None:
                shared = None if self._shared is None else self._shared(audience)
                cached = self._caches[key] = _Cached(self._new_cache(), self._make(audience, include_email), shared)
            return cached


def _scopes(scopes: Union[None, str, Iterable[str]]) -> Optional[List[str]]:
    """The caller's scopes as a list; ``None`` leaves the choice to the core."""
    if scopes is None:
        return None
    if isinstance(scopes, str):
        return [scopes]
    return list(scopes)


def _options_json(scopes: Union[None, str, Iterable[str]] = None, **options: Any) -> Optional[str]:
    """The core's ``CredentialOptions`` as JSON: only what the caller gave."""
    import json

    chosen: Dict[str, Any] = {k: v for k, v in options.items() if v is not None}
    if scopes is not None:
        chosen["scopes"] = [scopes] if isinstance(scopes, str) else list(scopes)
    return json.dumps(chosen) if chosen else None


class DocumentCredentials(Credentials):
    """Credentials the core built from a credential document (or a loaded
    key): ``service_account``, ``authorized_user``,
    ``impersonated_service_account``, ``external_account_authorized_user``,
    ``gce_metadata``, ``ibm_api_key``, ``oauth_client_credentials``. Every
    endpoint, scope, lifetime, retry and refresh rule is the core's."""

    def __init__(self, native: Any, transport: Any = None) -> None:
        self._native_credentials = native
        super().__init__(transport)
        self._id_tokens = _IdTokens(self._id_conversation, self._new_cache)

    def _new_cache(self) -> Any:
        # The refresh policy is the core's, for this kind of credential.
        return _native.TokenCache.for_credentials(self._native_credentials)

    @property
    def kind(self) -> str:
        """The document's ``type``."""
        result: str = self._native_credentials.kind
        return result

    @property
    def quota_project_id(self) -> Optional[str]:
        result: Optional[str] = self._native_credentials.quota_project_id
        return result

    @property
    def universe_domain(self) -> str:
        result: str = self._native_credentials.universe_domain
        return result

    @property
    def project_id(self) -> Optional[str]:
        result: Optional[str] = self._native_credentials.project_id
        return result

    @property
    def service_account_email(self) -> Optional[str]:
        result: Optional[str] = self._native_credentials.service_account_email
        return result

    def _access_conversation(self) -> Any:
        return self._native_credentials.access_token()

    def with_token_store(self, store: Any) -> DocumentCredentials:
        """These credentials with their tokens shared through ``store``
        (``RedisTokenStore``, ``MemoryTokenStore`` or your own): one refresh
        per refresh window for every process using the same store and secret.
        Tokens are read from the store only when this process's own copy is
        due, and if the store fails this process refreshes by itself."""
        import copy

        from ._shared import SharedTokens

        native = self._native_credentials
        shared = copy.copy(self)
        shared._access = _Cached(self._new_cache(), shared._access_conversation, SharedTokens(store, native, None))
        shared._id_tokens = _IdTokens(
            shared._id_conversation, self._new_cache, lambda audience: SharedTokens(store, native, audience)
        )
        return shared

    def _id_conversation(self, audience: str, include_email: bool) -> Callable[[], Any]:
        return lambda: self._native_credentials.id_token(audience)

    def id_token(self, audience: str, include_email: bool = False) -> IdToken:
        """An ID token for ``audience`` (cached per audience; it carries the
        account's ``email`` whatever ``include_email`` says). ``NotSupportedError``
        for kinds that have none (a person's credentials)."""
        self._native_credentials.id_token(audience)  # fail at once where the kind has none
        return IdToken(self._id_tokens.cache(audience, True).get(self._transport))

    async def id_token_async(self, audience: str, include_email: bool = False) -> IdToken:
        self._native_credentials.id_token(audience)
        return IdToken(await self._id_tokens.cache(audience, True).get_async(self._transport))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r}, service_account_email={self.service_account_email!r})"


class ServiceAccountCredentials(DocumentCredentials):
    """A service-account key traded for access tokens (OAuth 2.0 JWT-bearer
    grant) and ID tokens (``target_audience``)."""

    def __init__(
        self,
        key: ServiceAccountKey,
        scopes: Union[None, str, Iterable[str]] = None,
        subject: Optional[str] = None,
        transport: Any = None,
        token_uri: Optional[str] = None,
    ) -> None:
        if not isinstance(key, ServiceAccountKey):
            raise InvalidArgumentError("key must be a credmint.ServiceAccountKey")
        self.key = key
        self.subject = subject
        options = _options_json(scopes, subject=subject, token_uri=token_uri)
        super().__init__(_native.Credentials.from_key(key._native, options), transport)

    @property
    def service_account_email(self) -> str:
        return self.key.client_email

    def __repr__(self) -> str:
        return f"ServiceAccountCredentials(service_account_email={self.key.client_email!r})"


class ImpersonatedCredentials(Credentials):
    """Another service account's identity through IAM Credentials, using
    ``source``'s tokens along an optional ``delegates`` chain."""

    def __init__(
        self,
        source: Credentials,
        target: str,
        scopes: Union[None, str, Iterable[str]] = None,
        delegates: Sequence[str] = (),
        lifetime: Optional[int] = None,
        transport: Any = None,
        endpoint: Optional[str] = None,
        universe_domain: Optional[str] = None,
    ) -> None:
        if not isinstance(source, Credentials):
            raise InvalidArgumentError("source must be credmint credentials")
        self.source = source
        self.target = target
        self.scopes = _scopes(scopes)
        self.delegates = list(delegates)
        self.lifetime = lifetime
        self._endpoint = endpoint
        self._universe_domain = universe_domain
        super().__init__(transport)
        self._id_tokens = _IdTokens(self._id_conversation, self._new_cache)

    def _call(self, method: str, **arguments: Any) -> Any:
        source = self.source.token()._native
        return _native.iam_call(
            method,
            source,
            self.target,
            self.delegates,
            endpoint=self._endpoint,
            universe_domain=self._universe_domain,
            **arguments,
        )

    def _access_conversation(self) -> Any:
        return self._call("generateAccessToken", scopes=self.scopes, lifetime_secs=self.lifetime)

    def _id_conversation(self, audience: str, include_email: bool) -> Callable[[], Any]:
        return lambda: self._call("generateIdToken", audience=audience, include_email=include_email)

    def id_token(self, audience: str, include_email: bool = False) -> IdToken:
        """An ID token of the target for ``audience`` (IAM generateIdToken; cached)."""
        return IdToken(self._id_tokens.cache(audience, include_email).get(self._transport))

    async def token_async(self) -> AccessToken:
        # Fill the source's cache on the loop first: building the IAM call then
        # finds its token without any I/O.
        await self.source.token_async()
        return await super().token_async()

    async def id_token_async(self, audience: str, include_email: bool = False) -> IdToken:
        await self.source.token_async()
        return IdToken(await self._id_tokens.cache(audience, include_email).get_async(self._transport))

    def sign_blob(self, data: bytes) -> SignedBlob:
        """``data`` signed by the target (IAM signBlob)."""
        key_id, signature = drive(self._call("signBlob", payload=bytes(data)), self._transport)
        return SignedBlob(key_id, signature)

    def sign_jwt(self, claims: Dict[str, Any]) -> SignedJwt:
        """``claims`` signed by the target (IAM signJwt; the server adds ``exp``)."""
        key_id, jwt = drive(self._call("signJwt", claims_json=_claims_json(claims)), self._transport)
        return SignedJwt(key_id, jwt)

    def allowed_locations(self) -> Dict[str, Any]:
        """The target's allowed locations: ``{"locations": [...], "encoded_locations": "0x…"}``."""
        locations, encoded = drive(self._call("allowedLocations"), self._transport)
        return {"locations": list(locations), "encoded_locations": encoded}

    def __repr__(self) -> str:
        return f"ImpersonatedCredentials(target={self.target!r}, delegates={self.delegates!r})"


class ExternalAccountCredentials(DocumentCredentials):
    """Workload identity federation: the subject token sourced by the core as
    the configuration says (a file, a URL, an executable, AWS), or given by
    ``subject_token_supplier``, exchanged at Google STS (then impersonation,
    if configured)."""

    def __init__(
        self,
        info: Dict[str, Any],
        scopes: Union[None, str, Iterable[str]] = None,
        subject_token_supplier: Optional[Callable[[], str]] = None,
        transport: Any = None,
    ) -> None:
        import json

        if not isinstance(info, dict):
            raise InvalidArgumentError("info must be a dict")
        native = _native.Credentials.from_json(json.dumps(info), _options_json(scopes))
        if native.kind != "external_account":
            raise InvalidArgumentError(f"an external_account configuration, not {native.kind}")
        self._supplier = subject_token_supplier
        super().__init__(native, transport)

    @classmethod
    def _of(cls, native: Any, transport: Any) -> ExternalAccountCredentials:
        """Wraps credentials the core already read (``default()``, ``from_json``)."""
        credentials = cls.__new__(cls)
        credentials._supplier = None
        DocumentCredentials.__init__(credentials, native, transport)
        return credentials

    @classmethod
    def from_info(cls, info: Dict[str, Any], **options: Any) -> ExternalAccountCredentials:
        """From an ``external_account`` credential configuration (a dict)."""
        return cls(info, **options)

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike[str]], **options: Any) -> ExternalAccountCredentials:
        """From an ``external_account`` credential configuration file."""
        import json

        with open(path, encoding="utf-8") as file:
            return cls(json.load(file), **options)

    def _access_conversation(self) -> Any:
        if self._supplier is None:
            return self._native_credentials.access_token()
        return self._native_credentials.access_token(str(self._supplier()))


def _document(kind: str, **fields: Any) -> str:
    import json

    return json.dumps({"type": kind, **{k: v for k, v in fields.items() if v is not None}})


class IbmApiKeyCredentials(DocumentCredentials):
    """An IBM Cloud API key traded for IAM tokens (refreshed at 80 % of their life)."""

    def __init__(
        self,
        apikey: str,
        url: Optional[str] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        transport: Any = None,
    ) -> None:
        if not isinstance(apikey, str) or not apikey:
            raise InvalidArgumentError("apikey must be a non-empty string")
        self._url = url
        document = _document("ibm_api_key", apikey=apikey, url=url, client_id=client_id, client_secret=client_secret)
        super().__init__(_native.Credentials.from_json(document, None), transport)

    def __repr__(self) -> str:
        return f"IbmApiKeyCredentials(apikey=[redacted], url={self._url!r})"


class ClientCredentials(DocumentCredentials):
    """The OAuth 2.0 client-credentials grant (k0rdent service-account credentials)."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scopes: Union[None, str, Iterable[str]] = None,
        basic_auth: bool = True,
        transport: Any = None,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        document = _document(
            "oauth_client_credentials",
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            scopes=None if scopes is None else ([scopes] if isinstance(scopes, str) else list(scopes)),
            client_auth="basic" if basic_auth else "form",
        )
        super().__init__(_native.Credentials.from_json(document, None), transport)

    def __repr__(self) -> str:
        return f"ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r}, client_secret=[redacted])"
