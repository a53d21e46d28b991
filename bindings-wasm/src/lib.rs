//! `credmint-wasm`: the credmint core for JavaScript (browsers, Workers, Deno,
//! Node). Only conversions live here; the npm package (bindings-wasm/js) adds
//! `fetch`, the clock and WebCrypto signing, and every protocol rule stays in
//! the core.

mod cache;
mod conversation;
mod credentials;
mod errors;
mod flows;
mod keys;
mod shared;
mod tokens;
mod verifier;
mod warm;

pub use cache::TokenCache;
pub use conversation::Conversation;
pub use credentials::{Credentials, adc_variables, default_credentials};
pub use keys::{KeySet, ServiceAccountKey, UnsignedJwt};
pub use shared::{SharedCache, SharedRefresh};
pub use tokens::{AccessToken, IdToken};
pub use verifier::TokenVerifier;
pub use warm::warm_up;

use wasm_bindgen::prelude::*;

/// The core's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The core's family of an error code (`key`, `token`, `invalid_argument`,
/// `signing`, `transport`, `remote`), for errors the package raises itself.
#[wasm_bindgen(js_name = errorFamily)]
pub fn error_family(code: &str) -> Option<String> {
    credmint::ErrorFamily::of_code(code).map(|family| family.as_str().to_owned())
}

/// The most response body a conversation accepts.
#[wasm_bindgen(js_name = maxResponseBody)]
pub fn max_response_body() -> usize {
    credmint::MAX_RESPONSE_BODY
}

/// The most bytes of a credential file the core reads.
#[wasm_bindgen(js_name = maxCredentialFileSize)]
pub fn max_credential_file_size() -> usize {
    credmint::MAX_CREDENTIAL_FILE_SIZE
}

/// The core's refresh policy for tokens minted through IAM (impersonation).
#[wasm_bindgen(js_name = iamRefreshPolicy)]
pub fn iam_refresh_policy() -> Option<String> {
    credmint::IamCredentials::REFRESH_POLICY
        .name()
        .map(str::to_owned)
}
