//! The CLI's I/O: reading files, stdin and the clock. The core does the rest.

use crate::failure::Failure;
use credmint::{ServiceAccountKey, SigningKey, UnixTime};
use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

/// Reads a file, or standard input for `-`, into a buffer wiped on drop.
pub fn read_text(path: &str) -> Result<Zeroizing<String>, Failure> {
    let mut text = Zeroizing::new(String::new());
    let result = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut file| file.read_to_string(&mut text).map(|_| ()))
    };
    result.map_err(|err| Failure::io(format!("cannot read {path}: {err}")))?;
    Ok(text)
}

/// Reads raw bytes from a file, or standard input for `-`.
pub fn read_bytes(path: &str) -> Result<Vec<u8>, Failure> {
    let result = if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    result.map_err(|err| Failure::io(format!("cannot read {path}: {err}")))
}

/// A token given on the command line, or read from standard input for `-`
/// (preferred: arguments are visible to other users in the process list).
pub fn read_token(argument: &str) -> Result<Zeroizing<String>, Failure> {
    if argument != "-" {
        return Ok(Zeroizing::new(argument.to_owned()));
    }
    let mut text = read_text("-")?;
    while text.ends_with('\n') || text.ends_with('\r') {
        text.pop();
    }
    Ok(text)
}

/// A key from a service-account JSON file or a PEM file.
pub enum LoadedKey {
    /// A service-account key file.
    ServiceAccount(ServiceAccountKey),
    /// A bare PEM private key.
    Pem(Box<SigningKey>),
}

impl LoadedKey {
    /// The signing key inside.
    pub fn signing_key(&self) -> &SigningKey {
        match self {
            LoadedKey::ServiceAccount(key) => key.signing_key(),
            LoadedKey::Pem(key) => key,
        }
    }
}

/// Loads `--key`: JSON is read as a service-account key file, anything else as
/// PEM. A PEM key gets `key_id`, or by default its RFC 7638 thumbprint.
pub fn load_key(path: &str, key_id: Option<&str>) -> Result<LoadedKey, Failure> {
    let text = read_text(path)?;
    if text.trim_start().starts_with('{') {
        if key_id.is_some() {
            return Err(Failure::usage(
                "--key-id applies to PEM keys; a key file names its own",
            ));
        }
        return Ok(LoadedKey::ServiceAccount(ServiceAccountKey::from_json(
            &text,
        )?));
    }
    let key = SigningKey::from_pem(&text, "pending")?;
    let key_id = match key_id {
        Some(key_id) => key_id.to_owned(),
        None => key.public_key().thumbprint(),
    };
    Ok(LoadedKey::Pem(Box::new(key.with_key_id(key_id)?)))
}

/// `--now` if given, otherwise the system clock.
pub fn now(given: Option<i64>) -> Result<UnixTime, Failure> {
    if let Some(secs) = given {
        return Ok(UnixTime::from_secs(secs));
    }
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Failure::io("the system clock is before 1970".into()))?
        .as_secs();
    Ok(UnixTime::from_secs(i64::try_from(secs).unwrap_or(i64::MAX)))
}
