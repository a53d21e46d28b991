//! Verifying RS256 and ES256 JWTs: structure, header, key selection (by `kid`
//! among the keys of the token's algorithm), signature, then claims, in that order.

use crate::claim_rules::ClaimRule;
use crate::claims::{Claims, RegisteredSource};
use crate::error::{Error, Result, quoted};
use crate::json;
use crate::jws::{self, Algorithm, DEFAULT_MAX_TOKEN_SIZE, DecodeBuffers, Header};
use crate::key::PublicKey;
use crate::keyset::KeySet;
use crate::registered_claims::RegisteredClaims;
use crate::time::UnixTime;
use crate::verified_claims::VerifiedClaims;

/// Default clock-skew allowance, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;

/// Largest leeway accepted, in seconds: more would hide real clock problems.
pub const MAX_LEEWAY_SECS: u64 = 300;

/// What a verified token must satisfy besides its signature.
///
/// `exp` is always required and must be after `now - leeway`; `nbf` and `iat`,
/// when present, must not be after `now + leeway`. Audiences and issuers are
/// checked when configured; configure an audience for every ID token.
///
/// ```
/// # fn main() -> Result<(), credmint::Error> {
/// let validation = credmint::Validation::new()
///     .audience("https://my-service.example")
///     .issuer("https://accounts.google.com")
///     .leeway(30)?
///     .max_lifetime(3600)?;
/// assert_eq!(validation.leeway_secs(), 30);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validation {
    audiences: Vec<String>,
    issuers: Vec<String>,
    leeway: u64,
    max_lifetime: Option<u64>,
    typ: Option<String>,
    algorithms: Vec<Algorithm>,
    rules: Vec<ClaimRule>,
    max_token_size: usize,
}

impl Default for Validation {
    fn default() -> Self {
        Validation {
            audiences: Vec::new(),
            issuers: Vec::new(),
            leeway: DEFAULT_LEEWAY_SECS,
            max_lifetime: None,
            typ: None,
            algorithms: Algorithm::ALL.to_vec(),
            rules: Vec::new(),
            max_token_size: DEFAULT_MAX_TOKEN_SIZE,
        }
    }
}

impl Validation {
    /// No audience or issuer requirement, 60 s leeway, no lifetime limit, 16 KiB size cap.
    pub fn new() -> Self {
        Self::default()
    }

    /// The rules of a verify call as bindings take them: accepted audiences and
    /// issuers (empty: not checked), a leeway (`None`: the default,
    /// [`DEFAULT_LEEWAY_SECS`]) and a longest lifetime. One place for every
    /// language's defaults and limits.
    pub fn from_options(
        audiences: impl IntoIterator<Item = String>,
        issuers: impl IntoIterator<Item = String>,
        leeway_secs: Option<u64>,
        max_lifetime_secs: Option<u64>,
    ) -> Result<Self> {
        let mut validation =
            Validation::new().leeway(leeway_secs.unwrap_or(DEFAULT_LEEWAY_SECS))?;
        validation.audiences.extend(audiences);
        validation.issuers.extend(issuers);
        match max_lifetime_secs {
            Some(secs) => validation.max_lifetime(secs),
            None => Ok(validation),
        }
    }

    /// Accepts tokens whose `aud` contains `audience` (may be called several times: any one matches).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Accepts tokens whose `iss` equals `issuer` (may be called several times: any one matches).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push(issuer.into());
        self
    }

    /// Clock-skew allowance in seconds, at most [`MAX_LEEWAY_SECS`].
    pub fn leeway(mut self, secs: u64) -> Result<Self> {
        if secs > MAX_LEEWAY_SECS {
            return Err(Error::invalid_argument(format!(
                "leeway {secs}s is over the maximum of {MAX_LEEWAY_SECS}s"
            )));
        }
        self.leeway = secs;
        Ok(self)
    }

    /// Rejects tokens whose `exp - iat` exceeds `secs` (and then requires `iat`).
    pub fn max_lifetime(mut self, secs: u64) -> Result<Self> {
        if secs == 0 {
            return Err(Error::invalid_argument("max lifetime must be positive"));
        }
        self.max_lifetime = Some(secs);
        Ok(self)
    }

    /// Requires the header `typ` to equal `typ` (compared case-insensitively),
    /// to tell kinds of tokens apart (RFC 8725 §3.11).
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Accepts only tokens of these algorithms (default: RS256 and ES256;
    /// the key a token names decides between them in any case). An issuer
    /// that signs with one algorithm should say so here.
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Result<Self> {
        if algorithms.is_empty() {
            return Err(Error::invalid_argument("allow at least one algorithm"));
        }
        self.algorithms = algorithms.to_vec();
        Ok(self)
    }

    /// Tokens larger than `bytes` are rejected before any decoding.
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_size = bytes;
        self
    }

    /// The leeway in seconds.
    pub fn leeway_secs(&self) -> u64 {
        self.leeway
    }

    /// Adds an issuer's own claim rule (the presets' Firebase rules).
    pub(crate) fn rule(mut self, rule: ClaimRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// The size cap on tokens, in bytes.
    pub(crate) fn max_token_bytes(&self) -> usize {
        self.max_token_size
    }

    /// The header's algorithm, if these tokens may use it (checked before any
    /// key is looked up or fetched).
    pub(crate) fn allowed_algorithm(&self, header: &Header) -> Result<Algorithm> {
        let algorithm = header.algorithm();
        if !self.algorithms.contains(&algorithm) {
            return Err(Error::UnsupportedAlgorithm {
                alg: format!("{algorithm} (not allowed for these tokens)"),
            });
        }
        Ok(algorithm)
    }
}

/// A token whose signature and claims passed.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedJwt {
    header: Header,
    claims: VerifiedClaims,
}

impl VerifiedJwt {
    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The verified claims as a map (built at the first call: verification
    /// itself reads the claims it checks without building one).
    pub fn claims(&self) -> &Claims {
        self.claims.claims()
    }

    /// The verified claims' JSON text, as the token carries it: what a host
    /// hands to its own JSON parser.
    pub fn claims_json(&self) -> &str {
        self.claims.json()
    }

    /// The verified claims, by value.
    pub fn into_claims(self) -> Claims {
        self.claims.into_claims()
    }

    /// The verified claims as text and map, by value.
    pub fn into_verified_claims(self) -> VerifiedClaims {
        self.claims
    }
}

/// Verifies an RS256 or ES256 JWT against `keys` and `validation` at time `now`.
///
/// Order: size cap, structure and header, key selection by `kid`, signature,
/// then claims. A token with a bad signature reports the signature error even
/// when its claims are also wrong.
pub fn verify(
    token: &str,
    keys: &KeySet,
    validation: &Validation,
    now: UnixTime,
) -> Result<VerifiedJwt> {
    // The steps of `prepare_verification` and `finish`, with the key and the
    // signing input borrowed rather than copied into a `PendingVerification`.
    let mut buffers = DecodeBuffers::new();
    let parsed = jws::parse_compact(token, validation.max_token_size, &mut buffers)?;
    let algorithm = validation.allowed_algorithm(&parsed.header)?;
    keys.select_for(parsed.header.kid(), algorithm)?
        .verify(parsed.signing_input, &parsed.signature)?;
    checked(parsed.header, parsed.payload, validation, now)
}

/// The claims of a token whose signature passed, checked against `validation` at `now`.
/// The decoded payload becomes the verified claims' text as it is (no copy).
fn checked(
    header: Header,
    payload: Vec<u8>,
    validation: &Validation,
    now: UnixTime,
) -> Result<VerifiedJwt> {
    let json = json::utf8_owned(payload)
        .map_err(Claims::refusal)
        .map_err(payload_refused)?;
    let registered = RegisteredClaims::read(&json).map_err(payload_refused)?;
    check_typ(&header, validation)?;
    check_claims(&registered, validation, now)?;
    drop(registered); // It borrows `json`, which the result takes.
    Ok(VerifiedJwt {
        header,
        claims: VerifiedClaims::new(json.into_boxed_str()),
    })
}

/// A payload whose claims did not parse, as a malformed token.
fn payload_refused(err: Error) -> Error {
    match err {
        Error::InvalidClaims { reason } => Error::malformed(format!("payload: {reason}")),
        other => other,
    }
}

/// A token whose structure, header and key selection passed, waiting for a
/// signature check done elsewhere (WebCrypto, a hardware key): the host checks
/// [`PendingVerification::signature`] over [`PendingVerification::signing_input`]
/// with [`PendingVerification::key`] (RSASSA-PKCS1-v1_5 SHA-256 for RS256; ECDSA
/// P-256 SHA-256 over the 64-byte `r‖s` signature for ES256), then calls
/// [`PendingVerification::finish`], which checks the claims. [`verify`] is the
/// same three steps with the signature checked in-process.
#[derive(Clone, Debug)]
pub struct PendingVerification {
    header: Header,
    key: PublicKey,
    signing_input: Vec<u8>,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

/// The first step of [`verify`] for hosts that check signatures themselves.
pub fn prepare_verification(
    token: &str,
    keys: &KeySet,
    validation: &Validation,
) -> Result<PendingVerification> {
    let mut buffers = DecodeBuffers::new();
    let parsed = jws::parse_compact(token, validation.max_token_size, &mut buffers)?;
    let algorithm = validation.allowed_algorithm(&parsed.header)?;
    let key = keys.select_for(parsed.header.kid(), algorithm)?.clone();
    Ok(PendingVerification {
        header: parsed.header,
        key,
        signing_input: parsed.signing_input.to_vec(),
        payload: parsed.payload,
        signature: parsed.signature.into_owned(),
    })
}

impl PendingVerification {
    /// The key the token names (or the only key of the set).
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The bytes the signature covers.
    pub fn signing_input(&self) -> &[u8] {
        &self.signing_input
    }

    /// The signature to check.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Completes verification with the signature checked here, by the key's
    /// backend: for hosts whose own crypto refuses a key credmint accepts (Deno's
    /// WebCrypto stops at 4096-bit RSA), and the whole of [`verify`].
    pub fn finish_in_process(self, validation: &Validation, now: UnixTime) -> Result<VerifiedJwt> {
        self.key.verify(&self.signing_input, &self.signature)?;
        self.finish(true, validation, now)
    }

    /// Completes verification: `signature_valid` is the host's verdict; then
    /// the claims are checked against `validation` at `now`.
    pub fn finish(
        self,
        signature_valid: bool,
        validation: &Validation,
        now: UnixTime,
    ) -> Result<VerifiedJwt> {
        if !signature_valid {
            return Err(Error::SignatureInvalid);
        }
        checked(self.header, self.payload, validation, now)
    }
}

/// A token decoded without any signature or claim check, for display only.
#[derive(Clone, Debug, PartialEq)]
pub struct UnverifiedJwt {
    /// The protected header.
    pub header: Header,
    /// The claims, not verified: never base a decision on them.
    pub claims: Claims,
}

/// Decodes a JWT with the same structural checks as [`verify`] but **without
/// verifying the signature or any claim**. For inspection and debugging only.
pub fn decode_unverified(token: &str) -> Result<UnverifiedJwt> {
    let mut buffers = DecodeBuffers::new();
    let parsed = jws::parse_compact(token, DEFAULT_MAX_TOKEN_SIZE, &mut buffers)?;
    let claims = Claims::from_json_bytes(&parsed.payload).map_err(payload_refused)?;
    Ok(UnverifiedJwt {
        header: parsed.header,
        claims,
    })
}

fn check_typ(header: &Header, validation: &Validation) -> Result<()> {
    let Some(expected) = &validation.typ else {
        return Ok(());
    };
    match header.typ() {
        Some(typ) if typ.eq_ignore_ascii_case(expected) => Ok(()),
        found => Err(Error::malformed(format!(
            "header typ is {}, expected {}",
            found.map(quoted).unwrap_or_else(|| "absent".into()),
            quoted(expected)
        ))),
    }
}

/// Checks the registered claims against `validation` at `now`.
pub(crate) fn check_claims(
    claims: &impl RegisteredSource,
    validation: &Validation,
    now: UnixTime,
) -> Result<()> {
    let leeway = validation.leeway;
    let exp = claims
        .numeric_date("exp")?
        .ok_or_else(|| Error::invalid_claims("exp is required"))?;
    let nbf = claims.numeric_date("nbf")?;
    let iat = claims.numeric_date("iat")?;
    let iss = claims.iss()?;
    let mut aud = claims.audiences()?;
    claims.sub()?;

    if exp <= now.saturating_sub(leeway).as_secs() {
        return Err(Error::TokenExpired {
            exp,
            now: now.as_secs(),
            leeway,
        });
    }
    if let Some(nbf) = nbf
        && nbf > now.saturating_add(leeway).as_secs()
    {
        return Err(Error::TokenNotYetValid {
            nbf,
            now: now.as_secs(),
            leeway,
        });
    }
    if let Some(iat) = iat
        && iat > now.saturating_add(leeway).as_secs()
    {
        return Err(Error::TokenIssuedInFuture {
            iat,
            now: now.as_secs(),
            leeway,
        });
    }
    if let Some(max) = validation.max_lifetime {
        let iat =
            iat.ok_or_else(|| Error::invalid_claims("iat is required to check the lifetime"))?;
        let lifetime = exp.saturating_sub(iat);
        if lifetime > i64::try_from(max).unwrap_or(i64::MAX) {
            return Err(Error::LifetimeTooLong { lifetime, max });
        }
    }
    if !validation.audiences.is_empty()
        && !aud.any(|a| validation.audiences.iter().any(|expected| expected == a))
    {
        return Err(Error::AudienceMismatch {
            expected: validation.audiences.clone(),
            found: claims.audiences()?.map(quoted).collect(),
        });
    }
    if !validation.issuers.is_empty()
        && !iss.is_some_and(|iss| validation.issuers.iter().any(|i| i == iss))
    {
        return Err(Error::IssuerMismatch {
            expected: validation.issuers.clone(),
            found: iss.map(quoted),
        });
    }
    for rule in &validation.rules {
        rule.check(claims, leeway, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn check(claims: &str, validation: &Validation) -> Result<()> {
        check_claims(
            &Claims::from_json(claims).unwrap(),
            validation,
            UnixTime::from_secs(NOW),
        )
    }

    #[test]
    fn options_as_bindings_give_them() {
        let defaults = Validation::from_options([], [], None, None).unwrap();
        assert_eq!(defaults.leeway_secs(), DEFAULT_LEEWAY_SECS);
        let strict = Validation::from_options(
            ["https://a".to_owned()],
            ["https://issuer".to_owned()],
            Some(0),
            Some(600),
        )
        .unwrap();
        assert_eq!(strict.leeway_secs(), 0);
        let in_time = format!(
            r#"{{"aud":"https://a","iss":"https://issuer","iat":{NOW},"exp":{}}}"#,
            NOW + 600
        );
        assert!(check(&in_time, &strict).is_ok());
        let too_long = format!(
            r#"{{"aud":"https://a","iss":"https://issuer","iat":{NOW},"exp":{}}}"#,
            NOW + 601
        );
        assert!(check(&too_long, &strict).is_err());
        assert!(check(&in_time.replace("https://a", "https://b"), &strict).is_err());
        for (leeway, lifetime) in [(Some(MAX_LEEWAY_SECS + 1), None), (None, Some(0))] {
            let refused = Validation::from_options([], [], leeway, lifetime).unwrap_err();
            assert_eq!(refused.code(), "invalid_argument");
        }
    }

    fn code(claims: &str, validation: &Validation) -> &'static str {
        match check(claims, validation) {
            Ok(()) => "ok",
            Err(err) => err.code(),
        }
    }

    #[test]
    fn exp_boundary_is_strict() {
        let zero = Validation::new().leeway(0).unwrap();
        assert_eq!(code(&format!(r#"{{"exp":{}}}"#, NOW + 1), &zero), "ok");
        assert_eq!(code(&format!(r#"{{"exp":{NOW}}}"#), &zero), "token_expired");
        let sixty = Validation::new();
        assert_eq!(code(&format!(r#"{{"exp":{}}}"#, NOW - 59), &sixty), "ok");
        assert_eq!(
            code(&format!(r#"{{"exp":{}}}"#, NOW - 60), &sixty),
            "token_expired"
        );
        assert_eq!(code("{}", &sixty), "invalid_claims");
        assert_eq!(code(r#"{"exp":"9999999999"}"#, &sixty), "invalid_claims");
    }

    #[test]
    fn nbf_and_iat_boundaries() {
        let v = Validation::new();
        let exp = NOW + 100;
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"nbf":{}}}"#, NOW + 60), &v),
            "ok"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"nbf":{}}}"#, NOW + 61), &v),
            "token_not_yet_valid"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"iat":{}}}"#, NOW + 60), &v),
            "ok"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"iat":{}}}"#, NOW + 61), &v),
            "token_issued_in_future"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"nbf":"x"}}"#), &v),
            "invalid_claims"
        );
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let v = Validation::new();
        let max = i64::MAX;
        assert_eq!(
            code(&format!(r#"{{"exp":{max},"iat":{max}}}"#), &v),
            "token_issued_in_future"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{max},"nbf":0,"iat":0}}"#), &v),
            "ok"
        );
        let lifetime = Validation::new().max_lifetime(u64::MAX).unwrap();
        assert_eq!(
            code(&format!(r#"{{"exp":{max},"iat":0}}"#), &lifetime),
            "ok"
        );
        let at_end = check_claims(
            &Claims::from_json(&format!(r#"{{"exp":{max}}}"#)).unwrap(),
            &Validation::new().leeway(0).unwrap(),
            UnixTime::from_secs(i64::MAX),
        );
        assert_eq!(at_end.unwrap_err().code(), "token_expired");
    }

    #[test]
    fn lifetime() {
        let v = Validation::new().max_lifetime(3600).unwrap();
        let iat = NOW - 10;
        assert_eq!(
            code(&format!(r#"{{"exp":{},"iat":{iat}}}"#, iat + 3600), &v),
            "ok"
        );
        assert_eq!(
            check(&format!(r#"{{"exp":{},"iat":{iat}}}"#, iat + 3601), &v).unwrap_err(),
            Error::LifetimeTooLong {
                lifetime: 3601,
                max: 3600
            }
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{}}}"#, NOW + 10), &v),
            "invalid_claims"
        );
    }

    #[test]
    fn audience_and_issuer() {
        let exp = NOW + 100;
        let v = Validation::new().audience("a").audience("b").issuer("i");
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"aud":"b","iss":"i"}}"#), &v),
            "ok"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"aud":["x","a"],"iss":"i"}}"#), &v),
            "ok"
        );
        for (aud, expected) in [
            (r#""c""#, "audience_mismatch"),
            ("[]", "audience_mismatch"),
            (r#"["c"]"#, "audience_mismatch"),
            (r#"["a",1]"#, "invalid_claims"),
            ("1", "invalid_claims"),
            ("null", "invalid_claims"),
        ] {
            assert_eq!(
                code(&format!(r#"{{"exp":{exp},"aud":{aud},"iss":"i"}}"#), &v),
                expected,
                "{aud}"
            );
        }
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"iss":"i"}}"#), &v),
            "audience_mismatch"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"aud":"a"}}"#), &v),
            "issuer_mismatch"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"aud":"a","iss":"I"}}"#), &v),
            "issuer_mismatch"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"aud":"a","iss":1}}"#), &v),
            "invalid_claims"
        );
        assert_eq!(
            code(&format!(r#"{{"exp":{exp},"sub":1}}"#), &Validation::new()),
            "invalid_claims"
        );
    }

    #[test]
    fn leeway_is_bounded() {
        assert!(Validation::new().leeway(300).is_ok());
        assert_eq!(
            Validation::new().leeway(301).unwrap_err().code(),
            "invalid_argument"
        );
        assert!(Validation::new().max_lifetime(0).is_err());
    }
}
