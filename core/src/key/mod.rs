//! Keys: RSA signing keys (PEM, DER, service-account JSON) and public keys
//! (RSA and P-256: PEM, DER, JWK), their policy and export.

mod certificate;
mod decode;
mod ec;
mod encode;
#[cfg(feature = "rsa")]
mod generate;
mod jwk;
pub mod policy;
mod public;
mod service_account;
mod signing;

pub(crate) use decode::public_keys_from_pem;
#[cfg(feature = "rsa")]
pub use generate::{KeyFileOptions, generate_service_account_key};
pub(crate) use jwk::public_key_from_jwk;
pub use jwk::{Jwk, JwkSet};
pub(crate) use public::KeyMaterial;
pub(crate) use public::check_key_id;
pub use public::{MAX_KEY_ID_LEN, PublicKey};
pub(crate) use service_account::check_email;
pub use service_account::{
    DEFAULT_TOKEN_URI, DEFAULT_UNIVERSE_DOMAIN, MAX_KEY_FILE_SIZE, ServiceAccountKey,
};
pub use signing::SigningKey;
