//! # credmint-emulator
//!
//! A local server that speaks the real wire protocols of the credential
//! services credmint talks to, so code can be developed and tested offline:
//!
//! | Service | Paths |
//! |---|---|
//! | Google OAuth 2.0 token endpoint | `POST /token` (JWT-bearer, `target_audience`, client credentials, users' refresh tokens) |
//! | Compute Engine metadata server | `GET /`, `GET /computeMetadata/v1/…` (the attached account's token, ID token, email; project id) |
//! | IAM Service Account Credentials | `POST /v1/projects/-/serviceAccounts/{sa}:generateAccessToken` (`:generateIdToken`, `:signBlob`, `:signJwt`), `GET …/{sa}/allowedLocations` |
//! | Service-account public keys | `GET /service_accounts/v1/jwk/{sa}`, `GET /service_accounts/v1/metadata/jwk/{sa}`, `GET /service_accounts/v1/metadata/x509/{sa}`, `GET /robot/v1/metadata/x509/{sa}` |
//! | The emulator's OIDC keys (RS256) | `GET /oauth2/v3/certs` (JWKS), `GET /oauth2/v1/certs` (X.509), `GET /.well-known/openid-configuration` |
//! | Identity-Aware Proxy keys (ES256) | `GET /iap/verify/public_key-jwk` (JWKS, as on `www.gstatic.com`) |
//! | Google STS (workload and workforce identity federation) | `POST /v1/token`, `POST /v1/oauthtoken`, `POST /v1/introspect` |
//! | IBM Cloud IAM | `POST /identity/token` (API key, refresh token), `GET /identity/keys`, `GET /identity/.well-known/openid-configuration` |
//! | k0rdent IAM | `GET`/`POST /v1/regions/global/iam/service-accounts/{id}/credentials`, `DELETE …/credentials/{cred}` |
//! | The emulator's own test controls | `POST /_emulator/rotate-keys[?set=oidc\|iap]`, `POST /_emulator/iap/assertion`, `GET /_emulator/stats`, `POST /_emulator/stats/reset`, `GET /healthz` |
//!
//! Every key endpoint sends `Cache-Control: public, max-age=N, must-revalidate,
//! no-transform` (N is `key_max_age_secs`, default 3600) and `Age`, the seconds
//! since its key set was published, capped at N.
//!
//! `POST /_emulator/rotate-keys` gives the OIDC set, the IAP set or (without
//! `?set=`) both a new signing key and answers the new kids
//! (`{"oidc": KID, "iap": KID}`); the previous key stays published beside it, so
//! tokens signed just before still verify, and older ones are dropped (at most
//! two keys per set). Rotated keys live in memory only: after a restart the
//! OIDC set is the key saved in the state file again, and the IAP key is new
//! at every start.
//!
//! `POST /_emulator/iap/assertion` with `{"audience": "/projects/N/global/backendServices/ID",
//! "email": "user@example.com", "sub": optional}` answers `{"assertion": JWT}`:
//! what IAP sends a backend in `x-goog-iap-jwt-assertion`, signed with the IAP
//! key and valid for ten minutes.
//!
//! `GET /_emulator/stats` answers `{"requests": {"POST /token": 1, …}}`: every
//! request so far (itself included) by method and route pattern, unmatched ones
//! as `"<METHOD> <fallback>"`; `POST /_emulator/stats/reset` zeroes them.
//!
//! Every protocol detail (parsing, signing, verifying) comes from the
//! `credmint` core; this crate adds HTTP, state and policy. It reads the clock
//! and, with a state file, the disk.
//!
//! ```no_run
//! use credmint_emulator::{Config, Emulator, Options};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::load("emulator/examples/emulator.toml".as_ref())?;
//! let emulator = Emulator::bind(&config, &Options::default())?;
//! let running = emulator.spawn()?;
//! let token_uri = format!("{}/token", running.base_url());
//! # let _ = token_uri; Ok(()) }
//! ```

// Handlers return `Result<_, Response>`: the error is the finished HTTP answer,
// built once on a cold path, so its size does not matter.
#![allow(clippy::result_large_err)]

mod bearer;
mod clock;
mod config;
mod error;
mod es256;
mod files;
mod keyring;
mod random;
mod reply;
mod request;
mod request_log;
mod routes;
mod server;
mod state;
mod stats;
mod users;
mod world;

pub use config::{
    AuthorizedUserConfig, Config, IbmApiKeyConfig, IdentityProviderConfig, K0rdentAccountConfig,
    K0rdentCredentialConfig, ServiceAccountConfig, WorkforceUserConfig,
};
pub use error::SetupError;
pub use server::{Emulator, Options, Running};

/// The documented example configuration (`emulator/examples/emulator.toml`):
/// what `credmint serve` without `--config` and `credmint demo` run.
pub const EXAMPLE_CONFIG: &str = include_str!("../examples/emulator.toml");
