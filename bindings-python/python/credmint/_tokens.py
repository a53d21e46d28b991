"""Tokens as callers see them: the string in ``.token``, an aware UTC
``datetime`` in ``.expires_at``, and a ``repr`` that never shows the secret."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any, Optional


def _utc(unix: int) -> datetime:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(unix, timezone.utc)

__all__ = ["AccessToken", "IdToken"]


class AccessToken:
    """An OAuth 2.0 access token."""

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def token(self) -> str:
        """The bearer token string."""
        return str(self._native.token)

    @property
    def expires_at(self) -> datetime:
        """When it expires (aware, UTC)."""
        return _utc(self._native.expires_at_unix)

    @property
    def refresh_token(self) -> Optional[str]:
        """The refresh token issued with it (IBM), if any."""
        value = self._native.refresh_token
        return None if value is None else str(value)

    @property
    def scope(self) -> Optional[str]:
        """The granted scopes, if the server said."""
        value = self._native.scope
        return None if value is None else str(value)

    def __repr__(self) -> str:
        return f"AccessToken(token=[redacted], expires_at={self.expires_at.isoformat()})"

    __str__ = __repr__


class IdToken:
    """An OpenID Connect ID token (a JWT)."""

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def token(self) -> str:
        """The JWT."""
        return str(self._native.token)

    @property
    def expires_at(self) -> datetime:
        """Its ``exp`` (aware, UTC)."""
        return _utc(self._native.expires_at_unix)

    def __repr__(self) -> str:
        return f"IdToken(token=[redacted], expires_at={self.expires_at.isoformat()})"

    __str__ = __repr__
