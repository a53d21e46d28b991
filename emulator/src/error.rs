//! Why the emulator could not start: a bad configuration, key file or state file.

use std::fmt;

/// A configuration, key or state problem found while starting (never holds a secret).
#[derive(Debug)]
pub struct SetupError {
    message: String,
}

impl SetupError {
    /// A setup error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        SetupError {
            message: message.into(),
        }
    }
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SetupError {}

impl From<credmint::Error> for SetupError {
    fn from(err: credmint::Error) -> Self {
        SetupError::new(format!("{} ({})", err, err.code()))
    }
}
