//! The presets: each issuer's key URL, issuer spellings, algorithm, audience
//! rule, longest lifetime and extra claim rules. Every default is here.

use super::{KeySource, TokenVerifier};
use crate::claim_rules::ClaimRule;
use crate::error::{Error, Result};
use crate::jws::Algorithm;
use crate::remote_keyset::OidcDiscovery;
use crate::url::Endpoint;
use crate::verify::Validation;

/// Google's OAuth 2.0 keys as a JWK Set (ID tokens of service accounts, the
/// metadata server, IAM `generateIdToken`, Google sign-in).
pub const GOOGLE_ID_TOKEN_KEYS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";
/// The two spellings of Google's ID-token issuer.
pub const GOOGLE_ID_TOKEN_ISSUERS: [&str; 2] =
    ["https://accounts.google.com", "accounts.google.com"];
/// Firebase Auth's signing certificates (an X.509 map).
pub const FIREBASE_KEYS_URL: &str =
    "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com";
/// IBM Cloud IAM's token signing keys.
pub const IBM_IAM_KEYS_URL: &str = "https://iam.cloud.ibm.com/identity/keys";
/// IBM Cloud IAM's issuer.
pub const IBM_IAM_ISSUER: &str = "https://iam.cloud.ibm.com/identity";
/// Identity-Aware Proxy's ES256 keys.
pub const IAP_KEYS_URL: &str = "https://www.gstatic.com/iap/verify/public_key-jwk";
/// Identity-Aware Proxy's issuer.
pub const IAP_ISSUER: &str = "https://cloud.google.com/iap";

/// Google's ID tokens and service-account JWTs last an hour.
const ONE_HOUR: u64 = 3_600;
/// IAM `signJwt` accepts an `exp` up to 12 hours ahead.
const TWELVE_HOURS: u64 = 43_200;
/// IAP assertions last 10 minutes.
const IAP_LIFETIME: u64 = 600;
/// Any other OIDC issuer: a day, as google-auth-library-nodejs allows.
const ONE_DAY: u64 = 86_400;

fn url(text: &str) -> Result<Endpoint> {
    Endpoint::new(text)
}

/// A validation requiring one of `audiences` (at least one), `issuers`, one
/// algorithm set and a lifetime limit.
fn validation(
    audiences: &[&str],
    issuers: &[&str],
    algorithms: &[Algorithm],
    max_lifetime: u64,
) -> Result<Validation> {
    let mut validation = Validation::new()
        .algorithms(algorithms)?
        .max_lifetime(max_lifetime)?;
    for audience in audiences {
        if audience.is_empty() {
            return Err(Error::invalid_argument("an audience must not be empty"));
        }
        validation = validation.audience(*audience);
    }
    for issuer in issuers {
        validation = validation.issuer(*issuer);
    }
    Ok(validation)
}

fn require_audience(audiences: &[&str]) -> Result<()> {
    if audiences.is_empty() {
        return Err(Error::invalid_argument(
            "an audience is required: a token for another service must not verify",
        ));
    }
    Ok(())
}

impl TokenVerifier {
    /// Google ID tokens (service accounts, the metadata server, IAM
    /// `generateIdToken`, Google sign-in) for one of `audiences`: RS256, issuer
    /// `https://accounts.google.com` or `accounts.google.com`, at most an hour long.
    pub fn google_id_token(audiences: &[&str]) -> Result<Self> {
        require_audience(audiences)?;
        let validation = validation(
            audiences,
            &GOOGLE_ID_TOKEN_ISSUERS,
            &[Algorithm::Rs256],
            ONE_HOUR,
        )?;
        Ok(Self::new(
            "google_id_token",
            KeySource::Url(url(GOOGLE_ID_TOKEN_KEYS_URL)?),
            validation,
        ))
    }

    /// Firebase Auth ID tokens of `project_id`: RS256, issuer
    /// `https://securetoken.google.com/<project_id>`, audience the project,
    /// at most an hour long, `sub` (the user id) 1 to 128 characters,
    /// `auth_time` present and not in the future.
    pub fn firebase(project_id: &str) -> Result<Self> {
        if project_id.is_empty()
            || !project_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(Error::invalid_argument(
                "a Firebase project id is letters, digits and hyphens",
            ));
        }
        let issuer = format!("https://securetoken.google.com/{project_id}");
        let validation = validation(&[project_id], &[&issuer], &[Algorithm::Rs256], ONE_HOUR)?
            .rule(ClaimRule::FirebaseSubject)
            .rule(ClaimRule::AuthTimeInPast);
        Ok(Self::new(
            "firebase",
            KeySource::Url(url(FIREBASE_KEYS_URL)?),
            validation,
        ))
    }

    /// JWTs a service account signed itself (with a key or IAM `signJwt`) for
    /// one of `audiences`: RS256 with the account's published keys, issuer the
    /// account's email, at most 12 hours long.
    pub fn service_account(email: &str, audiences: &[&str]) -> Result<Self> {
        require_audience(audiences)?;
        let email = crate::key::check_email(email.to_owned())
            .ok()
            .filter(|email| !email.contains(['?', '#', '%']))
            .ok_or_else(|| {
                Error::invalid_argument("the service account is not an email address")
            })?;
        let keys = url(&format!(
            "https://www.googleapis.com/service_accounts/v1/jwk/{email}"
        ))?;
        let validation = validation(audiences, &[&email], &[Algorithm::Rs256], TWELVE_HOURS)?;
        Ok(Self::new(
            "service_account",
            KeySource::Url(keys),
            validation,
        ))
    }

    /// IBM Cloud IAM access tokens: RS256, issuer
    /// `https://iam.cloud.ibm.com/identity`, at most an hour long. IAM tokens
    /// carry no audience of their own; give `audiences` to require one.
    pub fn ibm_iam(audiences: &[&str]) -> Result<Self> {
        let validation = validation(audiences, &[IBM_IAM_ISSUER], &[Algorithm::Rs256], ONE_HOUR)?;
        Ok(Self::new(
            "ibm_iam",
            KeySource::Url(url(IBM_IAM_KEYS_URL)?),
            validation,
        ))
    }

    /// Identity-Aware Proxy assertions (`x-goog-iap-jwt-assertion`) for
    /// `audience` (`/projects/<number>/global/backendServices/<id>` or
    /// `/projects/<number>/apps/<project>`): ES256, issuer
    /// `https://cloud.google.com/iap`, at most 10 minutes long.
    pub fn iap(audience: &str) -> Result<Self> {
        if !audience.starts_with("/projects/") {
            return Err(Error::invalid_argument(
                "an IAP audience is /projects/<number>/global/backendServices/<id> or /projects/<number>/apps/<project>",
            ));
        }
        let validation = validation(
            &[audience],
            &[IAP_ISSUER],
            &[Algorithm::Es256],
            IAP_LIFETIME,
        )?;
        Ok(Self::new(
            "iap",
            KeySource::Url(url(IAP_KEYS_URL)?),
            validation,
        ))
    }

    /// Tokens of any OpenID Connect `issuer` for one of `audiences`: keys from
    /// the `jwks_uri` of `<issuer>/.well-known/openid-configuration` (whose
    /// `issuer` must equal `issuer` exactly), RS256 or ES256, at most a day long.
    pub fn oidc(issuer: &str, audiences: &[&str]) -> Result<Self> {
        require_audience(audiences)?;
        let discovery = OidcDiscovery::new(issuer)?;
        let validation = validation(audiences, &[issuer], &Algorithm::ALL, ONE_DAY)?;
        Ok(Self::new(
            "oidc",
            KeySource::Discovery(discovery),
            validation,
        ))
    }
}
