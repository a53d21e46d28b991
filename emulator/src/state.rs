//! What changes at run time, and its file: generated keys, the token-signing
//! secret, issued refresh tokens, k0rdent credentials and their last use.
//!
//! With `--state FILE` every change is written before the response goes out,
//! to `FILE.tmp` first and then renamed over `FILE`, so a crash at any moment
//! leaves either the old or the new state, never a torn one. Secrets other than
//! keys are stored only as SHA-256 hashes.

use crate::error::SetupError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The state file's format version.
const VERSION: u32 = 1;

/// Everything that must survive a restart.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persisted {
    /// Format version.
    pub version: u32,
    /// Base64url HMAC key that authenticates the emulator's access tokens.
    pub token_secret: String,
    /// Generated key files (service-account JSON), by account email or
    /// `oidc`/`idp:{audience}` for the emulator's own and providers' keys
    /// (`oidc` is its first OIDC key: keys from rotations are not saved).
    pub generated_keys: BTreeMap<String, String>,
    /// IBM refresh tokens: SHA-256 hex → record.
    pub ibm_refresh_tokens: BTreeMap<String, RefreshRecord>,
    /// k0rdent credentials by service-account id, in creation order.
    pub k0rdent_credentials: BTreeMap<String, Vec<CredentialRecord>>,
    /// The next credential sequence number (orders credentials; keys cursors).
    pub next_sequence: u64,
}

/// An issued IBM refresh token.
#[derive(Clone, Serialize, Deserialize)]
pub struct RefreshRecord {
    /// The IAM id it refreshes.
    pub iam_id: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

/// A k0rdent credential; its secret only as a hash.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRecord {
    /// Creation order, unique across the emulator.
    pub sequence: u64,
    /// `id` (the OAuth `client_id`).
    pub id: String,
    /// `uid`.
    pub uid: String,
    /// SHA-256 hex of the client secret.
    pub secret_sha256: String,
    /// Unix seconds, or none for no expiry.
    pub expires_at: Option<i64>,
    /// `createdBy`.
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last client-credentials grant.
    pub last_used_at: Option<i64>,
    /// Peer address of the last grant.
    pub last_used_ip: Option<String>,
}

/// SHA-256 of `secret` as lowercase hex.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where state is kept: a file, or only memory.
#[derive(Clone, Debug)]
pub struct Store {
    path: Option<PathBuf>,
}

impl Store {
    /// State in `path` (saved on every change), or in memory when `None`.
    pub fn new(path: Option<PathBuf>) -> Self {
        Store { path }
    }

    /// The saved state, if the file exists.
    pub fn load(&self) -> Result<Option<Persisted>, SetupError> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => {
                return Err(SetupError::new(format!(
                    "cannot read state {}: {err}",
                    path.display()
                )));
            }
        };
        let state: Persisted = serde_json::from_str(&text).map_err(|err| {
            SetupError::new(format!("state file {} is invalid: {err}", path.display()))
        })?;
        if state.version != VERSION {
            return Err(SetupError::new(format!(
                "state file {} has version {}, expected {VERSION}",
                path.display(),
                state.version
            )));
        }
        Ok(Some(state))
    }

    /// Writes `state` atomically (temporary file, fsync, rename); a no-op in memory.
    pub fn save(&self, state: &Persisted) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut state = state.clone();
        state.version = VERSION;
        let text = serde_json::to_vec_pretty(&state).map_err(std::io::Error::other)?;
        let tmp = temporary_path(path);
        {
            let mut file = open_private(&tmp)?;
            file.write_all(&text)?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Creates a file only its owner can read: the state holds private keys.
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
