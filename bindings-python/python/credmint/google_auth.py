"""credmint credentials as ``google.auth.credentials.Credentials``, so they
plug into the google-cloud-* client libraries. Needs google-auth installed."""

from typing import Any, Optional

from google.auth import credentials as _google_credentials

from ._credentials import Credentials as _CredmintCredentials

__all__ = ["Credentials"]


class Credentials(_google_credentials.Credentials):
    """Adapts any credmint credentials: google-auth asks, credmint's cache answers."""

    def __init__(self, credentials: _CredmintCredentials, quota_project_id: Optional[str] = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._credmint = credentials
        self._quota_project_id = quota_project_id

    def refresh(self, request: Any) -> None:
        token = self._credmint.token()
        self.token = token.token
        # google-auth compares expiry with a naive UTC datetime.
        self.expiry = token.expires_at.replace(tzinfo=None)

    def apply(self, headers: Any, token: Optional[str] = None) -> None:
        super().apply(headers, token)  # type: ignore[no-untyped-call]
        if self._quota_project_id:
            headers["x-goog-user-project"] = self._quota_project_id

    def __repr__(self) -> str:
        return f"credmint.google_auth.Credentials({self._credmint!r})"
