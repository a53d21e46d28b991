"""Ready verifiers for the common issuers: Google ID tokens, Firebase Auth,
service-account JWTs, IBM Cloud IAM, Identity-Aware Proxy and any OpenID
Connect issuer. The core's ``TokenVerifier`` decides everything (key URL,
issuers, algorithm, lifetime, freshness of fetched keys, refetch cooldown,
stale keys while the endpoint fails); this module fetches and waits."""

from __future__ import annotations

import json
import threading

from . import _native
from ._transport import drive, drive_async, resolve

TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Sequence, Tuple, Union

    Audience = Union[str, Sequence[str]]

__all__ = [
    "TokenVerifier",
    "verify_google_id_token",
    "verify_google_id_token_async",
    "verify_firebase_token",
    "verify_firebase_token_async",
    "verify_iap_assertion",
    "verify_iap_assertion_async",
    "verify_ibm_iam_token",
    "verify_ibm_iam_token_async",
    "verify_service_account_jwt",
    "verify_service_account_jwt_async",
    "verify_oidc_token",
    "verify_oidc_token_async",
]


class TokenVerifier:
    """A verifier of one issuer's tokens (a core preset) with its own remote
    key set, shared by every thread and coroutine that uses this object.

    ``preset`` is ``google_id_token``, ``firebase``, ``service_account``,
    ``ibm_iam``, ``iap`` or ``oidc``; ``options`` are the preset's
    (``audience``, ``project_id``, ``email``, ``issuer``, and ``keys_url`` to
    fetch the keys elsewhere, such as the emulator)."""

    def __init__(self, preset: str, *, transport: Any = None, **options: Any) -> None:
        given = {name: value for name, value in options.items() if value is not None}
        if isinstance(given.get("audience"), (list, tuple)):
            given["audience"] = list(given["audience"])
        self._native = _native.TokenVerifier(preset, json.dumps(given))
        self._transport = transport

    @property
    def preset(self) -> str:
        return str(self._native.preset)

    def verify(self, token: str, transport: Any = None) -> Dict[str, Any]:
        """The token's claims once its signature and every rule pass; raises
        the typed error otherwise (``SignatureInvalidError``, ``TokenExpiredError``,
        ``AudienceMismatchError``, ``TokenValidationError`` for ``key_not_found``, …)."""
        chosen = resolve(transport if transport is not None else self._transport)
        claims: Dict[str, Any] = json.loads(drive(self._native.verify(token), chosen))
        return claims

    async def verify_async(self, token: str, transport: Any = None) -> Dict[str, Any]:
        """``verify`` for asyncio (an ``httpx.AsyncClient``, or a sync transport in a thread)."""
        chosen = resolve(transport if transport is not None else self._transport)
        claims: Dict[str, Any] = json.loads(await drive_async(self._native.verify(token), chosen))
        return claims

    def snapshot(self) -> Optional[str]:
        """The fetched keys as JSON text, to persist across processes; ``None`` before a fetch."""
        snapshot: Optional[str] = self._native.snapshot()
        return snapshot

    def restore(self, snapshot: str) -> None:
        """Restores a ``snapshot``, checked like a fresh fetch (same URL, keys that
        parse, no longer fresh than the core allows)."""
        self._native.restore(snapshot)

    def __repr__(self) -> str:
        return f"TokenVerifier({self.preset!r})"


_shared: Dict[Tuple[str, str], TokenVerifier] = {}
_shared_lock = threading.Lock()


def _verifier(preset: str, **options: Any) -> TokenVerifier:
    """One verifier per preset and options for the whole process, so that the
    functions below share keys (and fetch them once) however often they run."""
    key = (preset, json.dumps(options, sort_keys=True, default=list))
    with _shared_lock:
        verifier = _shared.get(key)
        if verifier is None:
            verifier = _shared[key] = TokenVerifier(preset, **options)
    return verifier


def verify_google_id_token(
    token: str, audience: Audience, *, keys_url: Optional[str] = None, transport: Any = None
) -> Dict[str, Any]:
    """Claims of a Google ID token for ``audience`` (one or several)."""
    v = _verifier("google_id_token", audience=audience, keys_url=keys_url)
    return v.verify(token, transport)


async def verify_google_id_token_async(
    token: str, audience: Audience, *, keys_url: Optional[str] = None, transport: Any = None
) -> Dict[str, Any]:
    """``verify_google_id_token`` for asyncio."""
    v = _verifier("google_id_token", audience=audience, keys_url=keys_url)
    return await v.verify_async(token, transport)


def verify_firebase_token(
    token: str, project_id: str, *, keys_url: Optional[str] = None, transport: Any = None
) -> Dict[str, Any]:
    """Claims of a Firebase Auth ID token of ``project_id``."""
    v = _verifier("firebase", project_id=project_id, keys_url=keys_url)
    return v.verify(token, transport)


async def verify_firebase_token_async(
    token: str, project_id: str, *, keys_url: Optional[str] = None, transport: Any = None
) -> Dict[str, Any]:
    """``verify_firebase_token`` for asyncio."""
    v = _verifier("firebase", project_id=project_id, keys_url=keys_url)
    return await v.verify_async(token, transport)


def verify_iap_assertion(
    token: str, audience: str, *, keys_url: Optional[str] = None, transport: Any = None
) -> Dict[str, Any]:
    """Claims of an Identity-Aware Proxy assertion (``x-goog-iap-jwt-assertion``) for ``audience``."""
    v = _verifier("iap", audience=audience, keys_url=keys_url)
    return v.verify(token, transport)


async def verify_iap_assertion_async(
    token: str, audience: str, *, keys_url: Optional[str] = None, transport: Any = None
) -> Dict[str, Any]:
    """``verify_iap_assertion`` for asyncio."""
    v = _verifier("iap", audience=audience, keys_url=keys_url)
    return await v.verify_async(token, transport)


def verify_ibm_iam_token(
    token: str,
    audience: Optional[Audience] = None,
    *,
    keys_url: Optional[str] = None,
    transport: Any = None,
) -> Dict[str, Any]:
    """Claims of an IBM Cloud IAM access token (IAM tokens carry no audience of their own)."""
    v = _verifier("ibm_iam", audience=audience, keys_url=keys_url)
    return v.verify(token, transport)


async def verify_ibm_iam_token_async(
    token: str,
    audience: Optional[Audience] = None,
    *,
    keys_url: Optional[str] = None,
    transport: Any = None,
) -> Dict[str, Any]:
    """``verify_ibm_iam_token`` for asyncio."""
    v = _verifier("ibm_iam", audience=audience, keys_url=keys_url)
    return await v.verify_async(token, transport)


def verify_service_account_jwt(
    token: str,
    email: str,
    audience: Audience,
    *,
    keys_url: Optional[str] = None,
    transport: Any = None,
) -> Dict[str, Any]:
    """Claims of a JWT the service account ``email`` signed (a key or IAM ``signJwt``)."""
    v = _verifier("service_account", email=email, audience=audience, keys_url=keys_url)
    return v.verify(token, transport)


async def verify_service_account_jwt_async(
    token: str,
    email: str,
    audience: Audience,
    *,
    keys_url: Optional[str] = None,
    transport: Any = None,
) -> Dict[str, Any]:
    """``verify_service_account_jwt`` for asyncio."""
    v = _verifier("service_account", email=email, audience=audience, keys_url=keys_url)
    return await v.verify_async(token, transport)


def verify_oidc_token(
    token: str, issuer: str, audience: Audience, *, transport: Any = None
) -> Dict[str, Any]:
    """Claims of a token of any OpenID Connect ``issuer`` (keys found by discovery)."""
    v = _verifier("oidc", issuer=issuer, audience=audience)
    return v.verify(token, transport)


async def verify_oidc_token_async(
    token: str, issuer: str, audience: Audience, *, transport: Any = None
) -> Dict[str, Any]:
    """``verify_oidc_token`` for asyncio."""
    v = _verifier("oidc", issuer=issuer, audience=audience)
    return await v.verify_async(token, transport)
