//! Service-account keys, unsigned JWTs for WebCrypto signing, and verification.

use crate::errors::{IntoJs, invalid_argument};
use credmint::{
    Claims, ClaimsTemplate, KeySet as CoreKeySet, SelfSignedJwt, ServiceAccountKey as CoreKey,
    UnixTime, UnsignedJws, Validation, prepare_jwt_claims,
};
use wasm_bindgen::prelude::*;

pub(crate) fn now_of(now: f64) -> Result<UnixTime, JsValue> {
    if !now.is_finite() || now.fract() != 0.0 {
        return Err(invalid_argument("now must be whole Unix seconds"));
    }
    // Saturating: 2^63 (the nearest double to i64::MAX) becomes i64::MAX.
    #[allow(clippy::cast_possible_truncation)]
    Ok(UnixTime::from_secs(now as i64))
}

/// Text the package passes as UTF-8 bytes (`TextEncoder`, native code) rather
/// than as a string: wasm-bindgen copies a string into wasm character by
/// character in JavaScript, which a fresh isolate runs in its interpreter (about
/// 0.6 ms for a key file). JavaScript strings always encode to valid UTF-8, so
/// nothing is ever replaced here.
pub(crate) fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

pub(crate) fn strings(json: &str) -> Result<Vec<String>, JsValue> {
    serde_json::from_str(json).map_err(|_| invalid_argument("expected a JSON list of strings"))
}

/// A Google service-account key (native half of the package's `ServiceAccountKey`).
#[wasm_bindgen]
pub struct ServiceAccountKey {
    pub(crate) inner: CoreKey,
}

#[wasm_bindgen]
impl ServiceAccountKey {
    /// Parses a key file's JSON text.
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(utf8: &[u8]) -> Result<ServiceAccountKey, JsValue> {
        Ok(ServiceAccountKey {
            inner: CoreKey::from_json(&text(utf8)).js_err()?,
        })
    }

    /// Reads a key file for WebCrypto signing: checked, but not loaded into wasm RSA
    /// until (unless) it signs in wasm; see `pkcs8Der`.
    #[wasm_bindgen(js_name = fromJSONForKeystore)]
    pub fn from_json_for_keystore(utf8: &[u8]) -> Result<ServiceAccountKey, JsValue> {
        Ok(ServiceAccountKey {
            inner: CoreKey::from_json_for_keystore(&text(utf8), credmint::Backend::default())
                .js_err()?,
        })
    }

    /// The private key as PKCS#8 DER, for `crypto.subtle.importKey` (PKCS#1 keys wrapped).
    #[wasm_bindgen(js_name = pkcs8Der)]
    pub fn pkcs8_der(&self) -> Result<js_sys::Uint8Array, JsValue> {
        // Copied straight into a JS array; the Rust buffer is wiped when it drops here.
        let der = self.inner.signing_key().pkcs8_der().js_err()?;
        Ok(js_sys::Uint8Array::from(der.as_slice()))
    }

    /// `client_email`.
    #[wasm_bindgen(getter, js_name = clientEmail)]
    pub fn client_email(&self) -> String {
        self.inner.client_email().to_owned()
    }

    /// `private_key_id`.
    #[wasm_bindgen(getter, js_name = keyId)]
    pub fn key_id(&self) -> String {
        self.inner.key_id().to_owned()
    }

    /// `project_id`.
    #[wasm_bindgen(getter, js_name = projectId)]
    pub fn project_id(&self) -> Option<String> {
        self.inner.project_id().map(str::to_owned)
    }

    /// `token_uri`.
    #[wasm_bindgen(getter, js_name = tokenUri)]
    pub fn token_uri(&self) -> String {
        self.inner.token_uri().to_owned()
    }

    /// `universe_domain`.
    #[wasm_bindgen(getter, js_name = universeDomain)]
    pub fn universe_domain(&self) -> String {
        self.inner.universe_domain().to_owned()
    }

    /// RSASSA-PKCS1-v1_5 SHA-256 over `data` (pure-Rust RSA).
    #[wasm_bindgen(js_name = signBlob)]
    pub fn sign_blob(&self, data: &[u8]) -> Result<Vec<u8>, JsValue> {
        Ok(self.inner.sign_blob(data).js_err()?.signature().to_vec())
    }

    /// Claims (JSON text) signed as IAM signJwt does at `now` (pure-Rust RSA).
    #[wasm_bindgen(js_name = signJwt)]
    pub fn sign_jwt(&self, claims_json: &str, now: f64) -> Result<String, JsValue> {
        let claims = Claims::from_json(claims_json).js_err()?;
        let signed = self.inner.sign_jwt(&claims, now_of(now)?).js_err()?;
        Ok(signed.signed_jwt().expose_secret().to_owned())
    }

    /// The JWT signJwt would produce, unsigned, for a WebCrypto signature.
    #[wasm_bindgen(js_name = unsignedJwt)]
    pub fn unsigned_jwt(&self, claims_json: &str, now: f64) -> Result<UnsignedJwt, JsValue> {
        let claims = Claims::from_json(claims_json).js_err()?;
        let claims = prepare_jwt_claims(&claims, now_of(now)?).js_err()?;
        Ok(UnsignedJwt {
            inner: Some(UnsignedJws::jwt(self.inner.key_id(), &claims)),
        })
    }

    /// The public JWK Set, JSON text.
    #[wasm_bindgen(js_name = jwksJSON)]
    pub fn jwks_json(&self) -> String {
        self.inner.jwks().to_json()
    }

    /// A self-signed JWT (AIP-4111) for `audience` or `scopes_json` (one of them), unsigned.
    #[wasm_bindgen(js_name = unsignedSelfSignedJwt)]
    pub fn unsigned_self_signed_jwt(
        &self,
        audience: Option<String>,
        scopes_json: Option<String>,
        now: f64,
    ) -> Result<UnsignedJwt, JsValue> {
        let scopes = scopes_json.as_deref().map(strings).transpose()?;
        let template =
            SelfSignedJwt::with_audience_or_scopes(&self.inner, audience, scopes).js_err()?;
        Ok(UnsignedJwt {
            inner: Some(template.unsigned(self.inner.key_id(), now_of(now)?)),
        })
    }

    /// Signs an unsigned JWT with this key (pure-Rust RSA).
    #[wasm_bindgen(js_name = signUnsigned)]
    pub fn sign_unsigned(&self, unsigned: &mut UnsignedJwt) -> Result<String, JsValue> {
        let jws = unsigned
            .inner
            .take()
            .ok_or_else(|| invalid_argument("this JWT was already signed"))?;
        Ok(jws
            .sign(self.inner.signing_key())
            .js_err()?
            .expose_secret()
            .to_owned())
    }
}

/// A JWT waiting for its signature (from WebCrypto, or the key itself).
#[wasm_bindgen]
pub struct UnsignedJwt {
    inner: Option<UnsignedJws>,
}

#[wasm_bindgen]
impl UnsignedJwt {
    /// The exact bytes to sign: `base64url(header).base64url(payload)`.
    #[wasm_bindgen(getter, js_name = signingInput)]
    pub fn signing_input(&self) -> Vec<u8> {
        self.inner
            .as_ref()
            .map(|jws| jws.signing_input().to_vec())
            .unwrap_or_default()
    }

    /// The compact JWT with `signature` attached.
    pub fn attach(&mut self, signature: &[u8]) -> Result<String, JsValue> {
        let jws = self
            .inner
            .take()
            .ok_or_else(|| invalid_argument("this JWT was already signed"))?;
        Ok(jws
            .attach_signature(signature)
            .js_err()?
            .expose_secret()
            .to_owned())
    }
}

/// Verification keys parsed once (JWKS, X.509 certificate map or PEM).
#[wasm_bindgen]
pub struct KeySet {
    inner: CoreKeySet,
}

#[wasm_bindgen]
impl KeySet {
    /// Parses JWKS / X.509 map / PEM text.
    #[wasm_bindgen(constructor)]
    pub fn new(utf8: &[u8]) -> Result<KeySet, JsValue> {
        Ok(KeySet {
            inner: CoreKeySet::parse(&text(utf8)).js_err()?,
        })
    }

    /// The keys as a JWK Set, JSON text.
    #[wasm_bindgen(js_name = jwksJSON)]
    pub fn jwks_json(&self) -> String {
        self.inner.to_jwks().to_json()
    }

    /// The number of keys.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.inner.len()
    }

    /// Verifies an RS256 or ES256 JWT (signature first, then claims); the claims as JSON text.
    #[allow(clippy::too_many_arguments)]
    pub fn verify(
        &self,
        token: &[u8],
        audiences_json: &str,
        issuers_json: &str,
        leeway: Option<u32>,
        max_lifetime: Option<u32>,
        now: f64,
    ) -> Result<String, JsValue> {
        let validation = validation(audiences_json, issuers_json, leeway, max_lifetime)?;
        let verified =
            credmint::verify(&text(token), &self.inner, &validation, now_of(now)?).js_err()?;
        Ok(verified.claims_json().to_owned())
    }

    /// The first step of a verification whose signature WebCrypto checks.
    pub fn prepare(
        &self,
        token: &[u8],
        audiences_json: &str,
        issuers_json: &str,
        leeway: Option<u32>,
        max_lifetime: Option<u32>,
    ) -> Result<PendingVerification, JsValue> {
        let validation = validation(audiences_json, issuers_json, leeway, max_lifetime)?;
        let pending =
            credmint::prepare_verification(&text(token), &self.inner, &validation).js_err()?;
        Ok(PendingVerification {
            inner: Some(pending),
            validation,
        })
    }
}

fn validation(
    audiences_json: &str,
    issuers_json: &str,
    leeway: Option<u32>,
    max_lifetime: Option<u32>,
) -> Result<Validation, JsValue> {
    Validation::from_options(
        strings(audiences_json)?,
        strings(issuers_json)?,
        leeway.map(u64::from),
        max_lifetime.map(u64::from),
    )
    .js_err()
}

/// A token waiting for its signature check (by WebCrypto), then its claims check.
#[wasm_bindgen]
pub struct PendingVerification {
    inner: Option<credmint::PendingVerification>,
    validation: Validation,
}

impl PendingVerification {
    /// A ready verifier's prepared token, finished with the preset's rules.
    pub(crate) fn from_core(prepared: Box<credmint::PreparedToken>) -> Self {
        let (pending, validation) = prepared.into_parts();
        PendingVerification {
            inner: Some(pending),
            validation,
        }
    }
}

#[wasm_bindgen]
impl PendingVerification {
    /// The selected key as a JWK (JSON text), for `crypto.subtle.importKey('jwk', …)`.
    #[wasm_bindgen(getter, js_name = jwkJSON)]
    pub fn jwk_json(&self) -> String {
        self.inner
            .as_ref()
            .map(|p| serde_json::to_string(&p.key().to_jwk()).unwrap_or_default())
            .unwrap_or_default()
    }

    /// The token's algorithm, `RS256` or `ES256` (the selected key's only one).
    #[wasm_bindgen(getter)]
    pub fn alg(&self) -> String {
        self.inner
            .as_ref()
            .map(|p| p.key().algorithm().as_str().to_owned())
            .unwrap_or_default()
    }

    /// The selected key's id (a cache key for imported `CryptoKey`s), or its thumbprint.
    #[wasm_bindgen(getter, js_name = keyRef)]
    pub fn key_ref(&self) -> String {
        self.inner
            .as_ref()
            .map(|p| p.key().thumbprint())
            .unwrap_or_default()
    }

    /// The bytes the signature covers.
    #[wasm_bindgen(getter, js_name = signingInput)]
    pub fn signing_input(&self) -> Vec<u8> {
        self.inner
            .as_ref()
            .map(|p| p.signing_input().to_vec())
            .unwrap_or_default()
    }

    /// The signature to check.
    #[wasm_bindgen(getter)]
    pub fn signature(&self) -> Vec<u8> {
        self.inner
            .as_ref()
            .map(|p| p.signature().to_vec())
            .unwrap_or_default()
    }

    /// Completes verification with the signature checked in wasm, for a key the
    /// host's WebCrypto refuses to import; the claims as JSON text.
    #[wasm_bindgen(js_name = finishInWasm)]
    pub fn finish_in_wasm(&mut self, now: f64) -> Result<String, JsValue> {
        let pending = self
            .inner
            .take()
            .ok_or_else(|| invalid_argument("this verification already finished"))?;
        let verified = pending
            .finish_in_process(&self.validation, now_of(now)?)
            .js_err()?;
        Ok(verified.claims_json().to_owned())
    }

    /// Completes verification with WebCrypto's verdict; the claims as JSON text.
    pub fn finish(&mut self, signature_valid: bool, now: f64) -> Result<String, JsValue> {
        let pending = self
            .inner
            .take()
            .ok_or_else(|| invalid_argument("this verification already finished"))?;
        let verified = pending
            .finish(signature_valid, &self.validation, now_of(now)?)
            .js_err()?;
        Ok(verified.claims_json().to_owned())
    }
}
