//! # credmint
//!
//! Short-lived cloud credentials, minted and checked without I/O.
//!
//! credmint's core never reads a clock, a file, an environment variable or a
//! socket: time comes in as a [`UnixTime`], keys and tokens come in as bytes,
//! and results go out as values. That makes it the same library on a server,
//! in a Cloudflare Worker (WebAssembly), in Python and on a phone.
//!
//! This crate covers:
//! - keys: Google service-account JSON ([`ServiceAccountKey`]), PEM/DER RSA keys
//!   ([`SigningKey`]), RSA and P-256 public keys ([`PublicKey`]), JWK export,
//!   key sets ([`KeySet`]) and key sets fetched from a URL ([`RemoteKeySet`]);
//! - signing: RS256 JWS ([`UnsignedJws`], with external signers), IAM-style
//!   [`SigningKey::sign_blob`] and [`SigningKey::sign_jwt`], and claim builders
//!   for Google's grants ([`JwtBearerAssertion`], [`IdTokenAssertion`],
//!   [`SelfSignedJwt`], [`OidcIdToken`]);
//! - verification: strict RS256 and ES256 JWT parsing, one algorithm per key,
//!   and claim validation ([`verify`]);
//! - refresh timing: [`TokenLifetime`] and [`RefreshPolicy`];
//! - conversations as state machines ([`Flow`]: `poll(now)` → [`Step::Send`],
//!   [`Step::Sign`], [`Step::Wait`] or [`Step::Done`]): Google's token endpoint
//!   ([`JwtGrantFlow`]), IAM Credentials and impersonation chains
//!   ([`ImpersonatedFlow`]), workload identity federation
//!   ([`google::ExternalAccount`], AWS included), IBM Cloud IAM ([`ibm::IbmIam`]),
//!   k0rdent credential listing ([`k0rdent::ListCredentials`]) and OAuth client
//!   credentials ([`ClientCredentials`]), with retries and backoff
//!   ([`RetryPolicy`]) and caching ([`TokenCache`], [`CachedCredential`]).
//!
//! Every failure is an [`Error`] with a stable [`Error::code`].
//!
//! ```
//! use credmint::{Claims, KeySet, ServiceAccountKey, UnixTime, Validation};
//! # fn main() -> Result<(), credmint::Error> {
//! let key = ServiceAccountKey::from_json(include_str!("../../tests/vectors/keys/sa_2048_pkcs8.json"))?;
//! let now = UnixTime::from_secs(1_700_000_000);
//!
//! let claims = Claims::from_json(r#"{"iss":"me","aud":"https://svc.example"}"#)?;
//! let signed = key.sign_jwt(&claims, now)?;
//!
//! let keys = KeySet::parse(&key.jwks().to_json())?;
//! let validation = Validation::new().audience("https://svc.example");
//! let verified = credmint::verify(signed.signed_jwt().expose_secret(), &keys, &validation, now)?;
//! assert_eq!(verified.claims().exp()?, Some(1_700_003_600));
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod assertion;
mod cache;
mod claim_rules;
mod claims;
#[cfg(feature = "conformance")]
pub mod conformance;
mod credentials;
mod crypto;
mod datetime;
mod encoding;
mod error;
mod flow;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod google;
mod host;
mod http;
pub mod ibm;
mod json;
mod json_pass;
// Native only: WebAssembly keeps serde_json alone (a smaller module, and fewer
// functions for a cold isolate to compile).
#[cfg(not(target_arch = "wasm32"))]
mod json_scan;
pub mod jws;
pub mod k0rdent;
pub mod key;
mod keyset;
mod lifetime;
mod oauth;
mod output;
mod registered_claims;
mod remote;
mod remote_keyset;
mod retry;
mod secret;
pub mod shared_cache;
mod sign;
mod time;
mod token;
mod url;
mod verified_claims;
mod verifier;
mod verify;
mod wire;

pub use assertion::{
    ASSERTION_BACKDATE_SECS, ClaimsTemplate, IdTokenAssertion, JwtBearerAssertion,
    MAX_ASSERTION_LIFETIME_SECS, MAX_ID_TOKEN_LIFETIME_SECS, OidcIdToken,
    SELF_SIGNED_JWT_LIFETIME_SECS, SelfSignedJwt,
};
pub use cache::{
    Answer, CachedCredential, DEFAULT_MAX_JITTER_SECS, DEFAULT_REFRESH_TIMEOUT_SECS, Lookup,
    TokenCache,
};
pub use claims::Claims;
pub use credentials::{
    ADC_VARIABLES, AccessTokenFlow, AdcSource, CLOUD_PLATFORM_SCOPE, CredentialKind,
    CredentialOptions, Credentials, DefaultCredentials, DefaultCredentialsFlow, Environment,
    GOOGLE_UNIVERSE, IdTokenFlow, MAX_CREDENTIAL_FILE_SIZE, WELL_KNOWN_FILE,
};
pub use crypto::Backend;
pub use datetime::{Lifetime, format_rfc3339, parse_rfc3339};
pub use error::{Error, ErrorFamily, RemoteError, RemoteKind, Result};
pub use flow::{Flow, FlowOptions, MapOutput, RequestFlow, SignRequest, Signer, Step, drive};
pub use google::{
    AccessTokenSource, AllowedLocations, GrantOutput, IamCredentials, ImpersonatedFlow,
    JwtGrantFlow, ServiceAccountId, ServiceAccountIdTokenFlow, ServiceAccountIdentity,
    ServiceAccountTokenFlow, SourceToken,
};
pub use host::{FileRead, HostAnswer};
pub use http::{DEFAULT_TIMEOUT_MILLIS, HttpRequest, HttpResponse, MAX_RESPONSE_BODY, Method};
pub use jws::{Algorithm, Header, UnsignedJws};
pub use key::{Jwk, JwkSet, PublicKey, ServiceAccountKey, SigningKey};
#[cfg(feature = "rsa")]
pub use key::{KeyFileOptions, generate_service_account_key};
pub use keyset::{KeySet, MAX_KEY_SET_SIZE, MAX_KEYS};
pub use lifetime::{RefreshPolicy, TokenLifetime};
pub use oauth::{ClientAuth, ClientCredentials};
pub use output::FlowOutput;
pub use remote_keyset::{FetchedKeys, KeyDecision, KeySetPolicy, OidcDiscovery, RemoteKeySet};
pub use retry::{Jitter, RetryPolicy};
pub use secret::SecretString;
pub use shared_cache::{
    CacheKey, CacheSecret, SharedCache, SharedCacheOptions, SharedEntry, SharedOutcome,
    SharedRefresh, SharedStep, TokenOrigin, TokenPurpose,
};
pub use sign::{
    DEFAULT_JWT_LIFETIME_SECS, MAX_JWT_LIFETIME_SECS, SignedBlob, SignedJwt, prepare_jwt_claims,
};
pub use time::UnixTime;
pub use token::{AccessToken, AnyToken, Expiring, IdToken};
pub use url::Endpoint;
pub use verified_claims::VerifiedClaims;
pub use verifier::{
    FIREBASE_KEYS_URL, GOOGLE_ID_TOKEN_ISSUERS, GOOGLE_ID_TOKEN_KEYS_URL, IAP_ISSUER, IAP_KEYS_URL,
    IBM_IAM_ISSUER, IBM_IAM_KEYS_URL, PreparedToken, TokenVerifier, VerifyFlow,
};
pub use verify::{
    DEFAULT_LEEWAY_SECS, MAX_LEEWAY_SECS, PendingVerification, UnverifiedJwt, Validation,
    VerifiedJwt, decode_unverified, prepare_verification, verify,
};
