"""credmint's exceptions: one class per family, each with the core's stable
``code`` (the same in every credmint binding). No message or ``repr`` ever
contains a secret."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

if TYPE_CHECKING:
    from typing import Optional

__all__ = [
    "CredmintError",
    "InvalidKeyError",
    "TokenValidationError",
    "TokenExpiredError",
    "TokenNotYetValidError",
    "SignatureInvalidError",
    "AudienceMismatchError",
    "IssuerMismatchError",
    "MalformedTokenError",
    "InvalidArgumentError",
    "SigningError",
    "RemoteError",
    "InvalidResponseError",
    "TransportError",
    "CredentialsNotFoundError",
    "NotSupportedError",
]


class CredmintError(Exception):
    """Base of every credmint error.

    ``code`` is the stable machine-readable code (``invalid_key``,
    ``token_expired``, ``permission_denied``, ...); ``status`` the HTTP status
    for remote errors; ``retryable`` whether trying again later may succeed;
    ``remote_code`` the server's own code (``invalid_grant``,
    ``PERMISSION_DENIED``, ``BXNIM0415E``); for Google errors ``reason`` and
    ``permission`` from its ``ErrorInfo`` (``IAM_PERMISSION_DENIED``,
    ``iam.serviceAccounts.signBlob``); ``retry_after`` the seconds a server asked
    to wait. ``family`` is the core's family of the code (``key``, ``token``,
    ``invalid_argument``, ``signing``, ``transport``, ``remote``), the same in every
    binding: each family has its base class here.
    """

    family: str = "invalid_argument"

    def __init__(
        self,
        message: str,
        code: str = "invalid_argument",
        status: Optional[int] = None,
        retryable: bool = False,
        remote_code: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.retryable = retryable
        self.remote_code = remote_code
        self.reason: Optional[str] = None
        self.permission: Optional[str] = None
        self.retry_after: Optional[int] = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InvalidKeyError(CredmintError):
    """Key material that cannot be read or is refused by policy."""

    family = "key"


class TokenValidationError(CredmintError):
    """A token failed verification (structure, signature or claims)."""

    family = "token"


class TokenExpiredError(TokenValidationError):
    """``exp`` has passed (beyond the leeway)."""


class TokenNotYetValidError(TokenValidationError):
    """``nbf`` or ``iat`` lies in the future (beyond the leeway)."""


class SignatureInvalidError(TokenValidationError):
    """The signature does not verify with the selected key."""


class AudienceMismatchError(TokenValidationError):
    """``aud`` holds none of the expected audiences."""


class IssuerMismatchError(TokenValidationError):
    """``iss`` is not an expected issuer."""


class MalformedTokenError(TokenValidationError):
    """Not a well-formed RS256 JWT."""


class InvalidArgumentError(CredmintError, ValueError):
    """A caller's argument or configuration is invalid."""

    family = "invalid_argument"


class SigningError(CredmintError):
    """The RSA backend could not sign."""

    family = "signing"


class RemoteError(CredmintError):
    """A server refused: see ``status``, ``remote_code`` and ``retryable``."""

    family = "remote"


class InvalidResponseError(RemoteError):
    """A successful HTTP answer that cannot be used (not JSON, missing fields)."""


class TransportError(CredmintError):
    """The request could not be completed (connection, timeout), after retries."""

    family = "transport"


class CredentialsNotFoundError(InvalidArgumentError):
    """Application Default Credentials found nothing (``credentials_not_found``),
    or ``GOOGLE_APPLICATION_CREDENTIALS`` names a file that does not exist."""


class NotSupportedError(InvalidArgumentError):
    """This kind of credential cannot do that (``not_supported``): an ID token
    from a person's ``authorized_user`` credentials, say."""
