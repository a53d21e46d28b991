"""The IAM Service Account Credentials API, one call at a time, with a
caller's access token. ``ImpersonatedCredentials`` adds caching on top."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

from . import _native
from ._credentials import _scopes
from ._keys import SignedBlob, SignedJwt, _claims_json
from ._tokens import AccessToken, IdToken
from ._transport import drive, now, resolve

if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, Optional, Sequence, Union

__all__ = [
    "generate_access_token",
    "generate_id_token",
    "sign_blob",
    "sign_jwt",
    "allowed_locations",
]

def _source(token: Union[str, AccessToken]) -> Any:
    if isinstance(token, AccessToken):
        return token._native
    # A raw token string: its expiry is not known here, and not needed.
    return _native.bearer_token(str(token), now(), 3600)


def _call(
    method: str,
    token: Union[str, AccessToken],
    target: str,
    delegates: Sequence[str],
    endpoint: Optional[str],
    universe_domain: Optional[str],
    transport: Any,
    **arguments: Any,
) -> Any:
    conversation = _native.iam_call(
        method,
        _source(token),
        target,
        list(delegates),
        endpoint=endpoint,
        universe_domain=universe_domain,
        **arguments,
    )
    return drive(conversation, resolve(transport))


def generate_access_token(
    token: Union[str, AccessToken],
    target: str,
    scopes: Union[None, str, Iterable[str]] = None,
    *,
    delegates: Sequence[str] = (),
    lifetime: Optional[int] = None,
    endpoint: Optional[str] = None,
    universe_domain: Optional[str] = None,
    transport: Any = None,
) -> AccessToken:
    """``generateAccessToken``: an access token of ``target``."""
    native = _call(
        "generateAccessToken", token, target, delegates, endpoint, universe_domain, transport,
        scopes=_scopes(scopes), lifetime_secs=lifetime,
    )
    return AccessToken(native)


def generate_id_token(
    token: Union[str, AccessToken],
    target: str,
    audience: str,
    *,
    include_email: bool = False,
    delegates: Sequence[str] = (),
    endpoint: Optional[str] = None,
    universe_domain: Optional[str] = None,
    transport: Any = None,
) -> IdToken:
    """``generateIdToken``: an ID token of ``target`` for ``audience``."""
    native = _call(
        "generateIdToken", token, target, delegates, endpoint, universe_domain, transport,
        audience=audience, include_email=include_email,
    )
    return IdToken(native)


def sign_blob(
    token: Union[str, AccessToken],
    target: str,
    data: bytes,
    *,
    delegates: Sequence[str] = (),
    endpoint: Optional[str] = None,
    universe_domain: Optional[str] = None,
    transport: Any = None,
) -> SignedBlob:
    """``signBlob``: ``data`` signed with ``target``'s key."""
    key_id, signature = _call(
        "signBlob", token, target, delegates, endpoint, universe_domain, transport, payload=bytes(data)
    )
    return SignedBlob(key_id, signature)


def sign_jwt(
    token: Union[str, AccessToken],
    target: str,
    claims: Dict[str, Any],
    *,
    delegates: Sequence[str] = (),
    endpoint: Optional[str] = None,
    universe_domain: Optional[str] = None,
    transport: Any = None,
) -> SignedJwt:
    """``signJwt``: ``claims`` signed as ``target`` (the server adds ``exp``)."""
    key_id, jwt = _call(
        "signJwt", token, target, delegates, endpoint, universe_domain, transport,
        claims_json=_claims_json(claims),
    )
    return SignedJwt(key_id, jwt)


def allowed_locations(
    token: Union[str, AccessToken],
    target: str,
    *,
    endpoint: Optional[str] = None,
    universe_domain: Optional[str] = None,
    transport: Any = None,
) -> Dict[str, Any]:
    """``allowedLocations``: ``{"locations": [...], "encoded_locations": "0x…"}``."""
    locations, encoded = _call("allowedLocations", token, target, (), endpoint, universe_domain, transport)
    return {"locations": list(locations), "encoded_locations": encoded}
