"""credmint: short-lived cloud credentials, minted and checked.

Google service-account keys, OAuth 2.0 JWT-bearer grants, IAM Credentials
(impersonation, ID tokens, signBlob, signJwt), workload identity federation,
IBM Cloud IAM and k0rdent, with caching and single-flight refresh. The
protocol logic is credmint's Rust core; this package adds the transport
(the standard library by default) and the clock. No runtime dependencies.
"""

from . import iam, k0rdent
from ._credentials import (
    ClientCredentials,
    Credentials,
    ExternalAccountCredentials,
    IbmApiKeyCredentials,
    ImpersonatedCredentials,
    ServiceAccountCredentials,
)
from ._default import DocumentCredentials, default, load_credentials_from_file
from ._keys import KeySet, ServiceAccountKey, SignedBlob, SignedJwt, verify
from ._native import __version__
from ._shared import MemoryTokenStore, RedisTokenStore
from ._tokens import AccessToken, IdToken
from ._verifiers import (
    TokenVerifier,
    verify_firebase_token,
    verify_firebase_token_async,
    verify_google_id_token,
    verify_google_id_token_async,
    verify_iap_assertion,
    verify_iap_assertion_async,
    verify_ibm_iam_token,
    verify_ibm_iam_token_async,
    verify_oidc_token,
    verify_oidc_token_async,
    verify_service_account_jwt,
    verify_service_account_jwt_async,
)
from .errors import (
    AudienceMismatchError,
    CredentialsNotFoundError,
    CredmintError,
    InvalidArgumentError,
    InvalidKeyError,
    InvalidResponseError,
    IssuerMismatchError,
    MalformedTokenError,
    NotSupportedError,
    RemoteError,
    SignatureInvalidError,
    SigningError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenValidationError,
    TransportError,
)

__all__ = [
    "__version__",
    "iam",
    "k0rdent",
    "ServiceAccountKey",
    "SignedBlob",
    "SignedJwt",
    "KeySet",
    "verify",
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
    "AccessToken",
    "IdToken",
    "MemoryTokenStore",
    "RedisTokenStore",
    "Credentials",
    "DocumentCredentials",
    "default",
    "load_credentials_from_file",
    "ServiceAccountCredentials",
    "ImpersonatedCredentials",
    "ExternalAccountCredentials",
    "IbmApiKeyCredentials",
    "ClientCredentials",
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
