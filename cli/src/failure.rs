//! How the CLI fails: `error[<code>]: <message>` on stderr, exit 1 (usage: exit 2).

use std::fmt;

/// A failure with a stable code: the core's error codes, plus `io_error` and `usage`.
#[derive(Debug)]
pub struct Failure {
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable message (never a secret).
    pub message: String,
}

impl Failure {
    /// A file, stdin or stdout problem.
    pub fn io(message: String) -> Self {
        Failure {
            code: "io_error",
            message,
        }
    }

    /// Arguments that do not fit together.
    pub fn usage(message: &str) -> Self {
        Failure {
            code: "usage",
            message: message.to_owned(),
        }
    }

    /// The process exit status for this failure.
    pub fn exit_code(&self) -> u8 {
        if self.code == "usage" { 2 } else { 1 }
    }
}

impl From<credmint::Error> for Failure {
    fn from(err: credmint::Error) -> Self {
        Failure {
            code: err.code(),
            message: err.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.message)
    }
}
