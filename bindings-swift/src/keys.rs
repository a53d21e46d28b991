//! Service-account keys, signing as IAM does, and verification.

use crate::errors::Result;
use credmint::{
    Backend, Claims, ClaimsTemplate, KeySet as CoreKeySet, SelfSignedJwt,
    ServiceAccountKey as CoreKey, UnixTime, Validation,
};
use std::fmt;
use std::sync::Arc;

/// A Google service-account key. `toString`/`description` name the account and key id only.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct ServiceAccountKey {
    pub(crate) inner: CoreKey,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ServiceAccountKey({}, key {})",
            self.inner.client_email(),
            self.inner.key_id()
        )
    }
}

#[uniffi::export]
impl ServiceAccountKey {
    /// Reads a key file's JSON text (checked and loaded for signing here).
    #[uniffi::constructor]
    pub fn from_json(text: String) -> Result<Self> {
        Ok(ServiceAccountKey {
            inner: CoreKey::from_json(&text)?,
        })
    }

    /// Reads a key file to import into a platform keystore (Android Keystore,
    /// Keychain) with `pkcs8Der()`; the RSA key is loaded here only if asked to sign.
    #[uniffi::constructor]
    pub fn from_json_for_keystore(text: String) -> Result<Self> {
        Ok(ServiceAccountKey {
            inner: CoreKey::from_json_for_keystore(&text, Backend::default())?,
        })
    }

    /// `client_email`: the account, the `iss` of what it signs.
    pub fn client_email(&self) -> String {
        self.inner.client_email().to_owned()
    }

    /// `private_key_id`, written as `kid`.
    pub fn key_id(&self) -> String {
        self.inner.key_id().to_owned()
    }

    /// `project_id`, if the file has one.
    pub fn project_id(&self) -> Option<String> {
        self.inner.project_id().map(str::to_owned)
    }

    /// `token_uri`.
    pub fn token_uri(&self) -> String {
        self.inner.token_uri().to_owned()
    }

    /// `universe_domain`.
    pub fn universe_domain(&self) -> String {
        self.inner.universe_domain().to_owned()
    }

    /// RSASSA-PKCS1-v1_5 SHA-256 over `data`, as IAM `signBlob` answers.
    pub fn sign_blob(&self, data: Vec<u8>) -> Result<SignedBlob> {
        let signed = self.inner.sign_blob(&data)?;
        Ok(SignedBlob {
            key_id: signed.key_id().to_owned(),
            signed_blob: signed.signature().to_vec(),
        })
    }

    /// Claims (JSON object text) signed as IAM `signJwt` does at `now`
    /// (`exp` defaults to now + 1 h, at most now + 12 h).
    pub fn sign_jwt(&self, claims_json: String, now: i64) -> Result<Arc<SignedJwt>> {
        let claims = Claims::from_json(&claims_json)?;
        let signed = self.inner.sign_jwt(&claims, UnixTime::from_secs(now))?;
        Ok(Arc::new(SignedJwt {
            key_id: signed.key_id().to_owned(),
            jwt: signed.signed_jwt().expose_secret().to_owned(),
        }))
    }

    /// A self-signed JWT access token (AIP-4111) for `audience` or `scopes` (exactly one).
    pub fn self_signed_jwt(
        &self,
        audience: Option<String>,
        scopes: Option<Vec<String>>,
        now: i64,
    ) -> Result<String> {
        let template = SelfSignedJwt::with_audience_or_scopes(&self.inner, audience, scopes)?;
        let token = template.sign(self.inner.signing_key(), UnixTime::from_secs(now))?;
        Ok(token.expose_secret().to_owned())
    }

    /// The public key as a JWK Set, JSON text.
    pub fn jwks(&self) -> String {
        self.inner.jwks().to_json()
    }

    /// The private key as DER PKCS#8 (PKCS#1 keys wrapped), only to import into a
    /// platform keystore once; wipe the array after importing it.
    pub fn pkcs8_der(&self) -> Result<Vec<u8>> {
        Ok(self.inner.signing_key().pkcs8_der()?.to_vec())
    }
}

/// A `signBlob` answer. A signature is not a secret, so this is a plain record.
#[derive(uniffi::Record)]
pub struct SignedBlob {
    /// The key that signed.
    pub key_id: String,
    /// The RSASSA-PKCS1-v1_5 SHA-256 signature.
    pub signed_blob: Vec<u8>,
}

/// A `signJwt` answer: the JWT is a bearer credential, so it is behind a method.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct SignedJwt {
    pub(crate) key_id: String,
    pub(crate) jwt: String,
}

impl fmt::Debug for SignedJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedJwt(key {}, [redacted])", self.key_id)
    }
}

#[uniffi::export]
impl SignedJwt {
    /// The key that signed.
    pub fn key_id(&self) -> String {
        self.key_id.clone()
    }

    /// The compact JWT (a secret).
    pub fn signed_jwt(&self) -> String {
        self.jwt.clone()
    }
}

/// What `verify` checks besides the signature.
#[derive(uniffi::Record)]
pub struct VerifyOptions {
    /// Accepted audiences (any one must match `aud`); empty: `aud` is not checked.
    #[uniffi(default = [])]
    pub audiences: Vec<String>,
    /// Accepted issuers; empty: `iss` is not checked.
    #[uniffi(default = [])]
    pub issuers: Vec<String>,
    /// Clock skew allowed on `exp`/`nbf`/`iat`, seconds (at most 300); none:
    /// the core's default (60).
    #[uniffi(default = None)]
    pub leeway_secs: Option<u64>,
    /// Longest accepted `exp - iat`, seconds.
    #[uniffi(default = None)]
    pub max_lifetime_secs: Option<u64>,
    /// The time to check against, Unix seconds.
    pub now: i64,
}

impl VerifyOptions {
    fn validation(&self) -> Result<Validation> {
        Ok(Validation::from_options(
            self.audiences.clone(),
            self.issuers.clone(),
            self.leeway_secs,
            self.max_lifetime_secs,
        )?)
    }
}

/// Verification keys parsed once (JWKS, one JWK, Google's X.509 map, PEM).
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct KeySet {
    inner: CoreKeySet,
}

#[uniffi::export]
impl KeySet {
    /// Parses JWKS / JWK / X.509 certificate map / PEM text.
    #[uniffi::constructor]
    pub fn new(text: String) -> Result<Self> {
        Ok(KeySet {
            inner: CoreKeySet::parse(&text)?,
        })
    }

    /// The number of keys.
    pub fn size(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }

    /// The keys as a JWK Set, JSON text.
    pub fn jwks(&self) -> String {
        self.inner.to_jwks().to_json()
    }

    /// Verifies an RS256 JWT (signature first, then claims); the claims as JSON text.
    pub fn verify(&self, token: String, options: VerifyOptions) -> Result<String> {
        let validation = options.validation()?;
        let verified = credmint::verify(
            &token,
            &self.inner,
            &validation,
            UnixTime::from_secs(options.now),
        )?;
        Ok(verified.claims_json().to_owned())
    }
}

/// Verifies `token` against `keys` (any form `KeySet` reads); the claims as JSON text.
#[uniffi::export]
pub fn verify(token: String, keys: String, options: VerifyOptions) -> Result<String> {
    KeySet::new(keys)?.verify(token, options)
}
