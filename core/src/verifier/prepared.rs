//! A token whose key was found by a ready verifier, waiting for the host's
//! signature check (WebCrypto), then checked against every rule of the preset.

use crate::error::Result;
use crate::keyset::KeySet;
use crate::time::UnixTime;
use crate::verified_claims::VerifiedClaims;
use crate::verify::{PendingVerification, Validation, prepare_verification};

/// What [`crate::TokenVerifier::prepare`] produces: check
/// [`PendingVerification::signature`] over [`PendingVerification::signing_input`]
/// with [`PendingVerification::key`] (its [`crate::PublicKey::algorithm`] says
/// how), then call [`PreparedToken::finish`].
#[derive(Clone, Debug)]
pub struct PreparedToken {
    pending: PendingVerification,
    validation: Validation,
}

impl PreparedToken {
    pub(crate) fn new(token: &str, keys: &KeySet, validation: &Validation) -> Result<Self> {
        Ok(PreparedToken {
            pending: prepare_verification(token, keys, validation)?,
            validation: validation.clone(),
        })
    }

    /// The selected key, the bytes the signature covers, and the signature.
    pub fn pending(&self) -> &PendingVerification {
        &self.pending
    }

    /// The host's verdict on the signature, then the claims against the
    /// preset's rules at `now`.
    pub fn finish(self, signature_valid: bool, now: UnixTime) -> Result<VerifiedClaims> {
        Ok(self
            .pending
            .finish(signature_valid, &self.validation, now)?
            .into_verified_claims())
    }

    /// The pending check and the validation it finishes with.
    pub fn into_parts(self) -> (PendingVerification, Validation) {
        (self.pending, self.validation)
    }
}
