//! credmint for Swift and Kotlin: the core's keys, verification, conversations
//! and token cache exported once through uniffi. The host layers
//! (`swift/`, `kotlin/`) add the platform transport, the clock and type sugar,
//! and drive the conversations; no protocol logic lives here or there.

// `CredmintError` is the value uniffi hands to Swift and Kotlin; it cannot be boxed.
#![allow(clippy::result_large_err)]

mod cache;
mod conversation;
mod credentials;
mod errors;
mod flows;
mod keys;
mod shared;
mod tokens;
mod verifier;

pub use cache::{CacheLookup, RefreshStyle, Token, TokenCache};
pub use conversation::{
    AccountCredential, Conversation, CredentialPage, ExecutableRun, HostAnswer, HttpRequest,
    Output, Step, max_response_body,
};
pub use credentials::{
    CoreCredentials, adc_variables, default_credentials, max_credential_file_size,
};
pub use errors::CredmintError;
pub use flows::{
    CredentialFilter, IamMethod, conformance_error, conformance_flow, credential_pages, iam_call,
};
pub use keys::{KeySet, ServiceAccountKey, SignedBlob, SignedJwt, VerifyOptions, verify};
pub use shared::{SharedCache, SharedEntry, SharedRefresh, SharedStep};
pub use tokens::{AccessToken, IdToken};
pub use verifier::TokenVerifier;

uniffi::setup_scaffolding!("credmint");
