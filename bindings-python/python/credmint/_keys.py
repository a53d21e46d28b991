"""Service-account keys and verification."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

from . import _native
from ._transport import now as _now
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    import os
    from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

__all__ = ["ServiceAccountKey", "SignedBlob", "SignedJwt", "KeySet", "verify"]


class SignedBlob(tuple):  # type: ignore[type-arg]
    """What signBlob returns: ``(key_id, signed_blob)``, the key id and the
    RSASSA-PKCS1-v1_5 SHA-256 signature."""

    __slots__ = ()

    def __new__(cls, key_id: str, signed_blob: bytes) -> SignedBlob:
        return tuple.__new__(cls, (key_id, signed_blob))

    @property
    def key_id(self) -> str:
        result: str = self[0]
        return result

    @property
    def signed_blob(self) -> bytes:
        result: bytes = self[1]
        return result

    def __repr__(self) -> str:
        return f"SignedBlob(key_id={self.key_id!r}, signed_blob=<{len(self.signed_blob)} bytes>)"


class SignedJwt(tuple):  # type: ignore[type-arg]
    """What signJwt returns: ``(key_id, signed_jwt)``, the key id and the compact JWT."""

    __slots__ = ()

    def __new__(cls, key_id: str, signed_jwt: str) -> SignedJwt:
        return tuple.__new__(cls, (key_id, signed_jwt))

    @property
    def key_id(self) -> str:
        result: str = self[0]
        return result

    @property
    def signed_jwt(self) -> str:
        result: str = self[1]
        return result

    def __repr__(self) -> str:
        return f"SignedJwt(key_id={self.key_id!r}, signed_jwt=[redacted])"

    __str__ = __repr__


def _claims_json(claims: Dict[str, Any]) -> str:
    import json

    if not isinstance(claims, dict):
        raise InvalidArgumentError("claims must be a dict")
    try:
        return json.dumps(claims, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(f"claims are not JSON: {error}") from None


class ServiceAccountKey:
    """A Google service-account key: signs JWTs and blobs as the account does."""

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> ServiceAccountKey:
        """Reads a key file's JSON text."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="strict")
        return cls(_native.ServiceAccountKey.from_json(text))

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike[str]]) -> ServiceAccountKey:
        """Reads a key file."""
        with open(path, "rb") as file:
            return cls.from_json(file.read(64 * 1024 + 1))

    @classmethod
    def from_info(cls, info: Dict[str, Any]) -> ServiceAccountKey:
        """Reads a key file already parsed into a dict."""
        import json

        if not isinstance(info, dict):
            raise InvalidArgumentError("info must be a dict")
        return cls.from_json(json.dumps(info))

    @property
    def client_email(self) -> str:
        return str(self._native.client_email)

    @property
    def key_id(self) -> str:
        return str(self._native.key_id)

    @property
    def project_id(self) -> Optional[str]:
        value = self._native.project_id
        return None if value is None else str(value)

    @property
    def token_uri(self) -> str:
        return str(self._native.token_uri)

    @property
    def universe_domain(self) -> str:
        return str(self._native.universe_domain)

    def sign_blob(self, data: bytes) -> SignedBlob:
        """Signs ``data`` as IAM signBlob does (RSASSA-PKCS1-v1_5, SHA-256)."""
        key_id, signature = self._native.sign_blob(bytes(data))
        return SignedBlob(key_id, signature)

    def sign_jwt(self, claims: Dict[str, Any], *, now: Optional[int] = None) -> SignedJwt:
        """Signs ``claims`` as IAM signJwt does: ``exp`` defaults to now + 1 h, at most now + 12 h."""
        key_id, jwt = self._native.sign_jwt(_claims_json(claims), _now() if now is None else now)
        return SignedJwt(key_id, jwt)

    def jwks(self) -> Dict[str, Any]:
        """The public key as a JWK Set."""
        import json

        result: Dict[str, Any] = json.loads(self._native.jwks_json())
        return result

    def self_signed_jwt(
        self,
        *,
        audience: Optional[str] = None,
        scopes: Optional[Iterable[str]] = None,
        now: Optional[int] = None,
    ) -> str:
        """A self-signed JWT access token (AIP-4111) for ``audience`` or ``scopes`` (one of them)."""
        scope_list = None if scopes is None else list(scopes)
        return str(self._native.self_signed_jwt(audience, scope_list, _now() if now is None else now))

    def __repr__(self) -> str:
        return f"ServiceAccountKey(client_email={self.client_email!r}, key_id={self.key_id!r})"


class KeySet:
    """Verification keys parsed once: a JWKS, Google's X.509 certificate map or PEM."""

    __slots__ = ("_native",)

    def __init__(self, keys: Union[str, bytes, Dict[str, Any]]) -> None:
        import json

        if isinstance(keys, dict):
            keys = json.dumps(keys)
        elif isinstance(keys, bytes):
            keys = keys.decode("utf-8")
        if not isinstance(keys, str):
            raise InvalidArgumentError("keys must be a dict, JSON text or PEM text")
        self._native = _native.KeySet(keys)

    def jwks(self) -> Dict[str, Any]:
        """The keys as a JWK Set."""
        import json

        result: Dict[str, Any] = json.loads(self._native.jwks_json())
        return result

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return f"KeySet({len(self)} keys)"


def _list(value: Union[None, str, Sequence[str]]) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def verify(
    token: str,
    keys: Union[KeySet, str, bytes, Dict[str, Any]],
    *,
    audience: Union[None, str, Sequence[str]] = None,
    issuer: Union[None, str, Sequence[str]] = None,
    leeway: Optional[int] = None,
    max_lifetime: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]:
    """Verifies an RS256 or ES256 JWT (signature first, then ``exp``/``nbf``/``iat``,
    ``aud`` and ``iss``) and returns its claims. ``leeway`` left out is the
    core's default (60 s, at most 300)."""
    import json

    key_set = keys if isinstance(keys, KeySet) else KeySet(keys)
    claims = key_set._native.verify(
        token,
        _list(audience),
        _list(issuer),
        leeway,
        max_lifetime,
        _now() if now is None else now,
    )
    result: Dict[str, Any] = json.loads(claims)
    return result
