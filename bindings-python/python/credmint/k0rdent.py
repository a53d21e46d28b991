"""k0rdent IAM: a service account's credentials, every page, lazily."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

from . import _native
from ._credentials import Credentials
from ._tokens import AccessToken, _utc
from ._transport import drive, now, resolve

if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any, Iterator, Optional, Union

__all__ = ["Credential", "list_credentials"]


def _time(value: Optional[int]) -> Optional[datetime]:
    return None if value is None else _utc(value)


class Credential:
    """One credential as listed (never with its secret)."""

    __slots__ = (
        "id", "service_account_id", "status", "uid", "self_link", "expires_at",
        "created_by", "created_at", "last_used_at", "last_used_ip",
    )

    def __init__(
        self,
        id: str,
        service_account_id: str,
        status: str,
        uid: Optional[str],
        self_link: Optional[str],
        expires_at: Optional[datetime],
        created_by: Optional[str],
        created_at: Optional[datetime],
        last_used_at: Optional[datetime],
        last_used_ip: Optional[str],
    ) -> None:
        self.id = id
        self.service_account_id = service_account_id
        self.status = status
        self.uid = uid
        self.self_link = self_link
        self.expires_at = expires_at
        self.created_by = created_by
        self.created_at = created_at
        self.last_used_at = last_used_at
        self.last_used_ip = last_used_ip

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credential) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    def __repr__(self) -> str:
        return f"Credential(id={self.id!r}, service_account_id={self.service_account_id!r}, status={self.status!r})"


def _bearer(token: Union[str, AccessToken, Credentials]) -> Any:
    if isinstance(token, Credentials):
        token = token.token()
    if isinstance(token, AccessToken):
        return token._native
    return _native.bearer_token(str(token), now(), 3600)


def list_credentials(
    base_url: str,
    account_id: str,
    *,
    token: Union[str, AccessToken, Credentials],
    status: Optional[str] = None,
    page_size: Optional[int] = None,
    transport: Any = None,
) -> Iterator[Credential]:
    """Every credential of ``account_id``, fetching pages as the iteration needs them."""
    conversation = _native.list_credentials(base_url, account_id, _bearer(token), status, page_size)
    sender = resolve(transport)
    while True:
        page = drive(conversation, sender)
        if page is None:
            return
        for item in page["credentials"]:
            yield Credential(
                id=item["id"],
                service_account_id=item["service_account_id"],
                status=item["status"],
                uid=item["uid"],
                self_link=item["self_link"],
                expires_at=_time(item["expires_at"]),
                created_by=item["created_by"],
                created_at=_time(item["created_at"]),
                last_used_at=_time(item["last_used_at"]),
                last_used_ip=item["last_used_ip"],
            )
