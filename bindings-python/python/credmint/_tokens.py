"""Tokens as callers see them: the string in ``.token``, an aware UTC
``datetime`` in ``.expires_at``, and a ``repr`` that never shows the secret."""

from datetime import datetime, timezone
from typing import Any, Optional

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
        return datetime.fromtimestamp(self._native.expires_at_unix, timezone.utc)

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
        return datetime.fromtimestamp(self._native.expires_at_unix, timezone.utc)

    def __repr__(self) -> str:
        return f"IdToken(token=[redacted], expires_at={self.expires_at.isoformat()})"

    __str__ = __repr__
