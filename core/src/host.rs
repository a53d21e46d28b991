//! What a flow asks of its host besides HTTP and signatures: the bytes of a
//! file, the value of an environment variable, the output of a command.
//!
//! The core decides what to ask, in which order, and what every answer means
//! (a missing file, a variable left unset, a command that timed out); the host
//! only performs the read or the run and says what happened, with
//! [`crate::Flow::feed_host`]. So every language sources credentials alike.

use crate::error::{Error, Result};
use std::fmt;

/// A file a flow wants read ([`crate::Step::ReadFile`]).
#[derive(Clone, PartialEq, Eq)]
pub struct FileRead {
    path: String,
    max_bytes: usize,
}

impl FileRead {
    /// A read of `path` where the flow accepts at most `limit` bytes.
    pub(crate) fn new(path: impl Into<String>, limit: usize) -> Self {
        FileRead {
            path: path.into(),
            max_bytes: limit.saturating_add(1),
        }
    }

    /// The path, as the credential document or the environment names it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The most bytes the host reads: one more than the flow accepts, so that
    /// the flow can refuse an oversized file instead of reading a truncated one.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

impl fmt::Debug for FileRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileRead")
            .field("path", &self.path)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

/// What the host found when it did what a step asked.
#[derive(Clone, PartialEq, Eq)]
pub enum HostAnswer {
    /// [`crate::Step::ReadFile`]: the file's bytes (at most [`FileRead::max_bytes`]).
    File(Vec<u8>),
    /// [`crate::Step::ReadFile`]: there is no such file.
    FileMissing,
    /// [`crate::Step::ReadFile`]: the file exists but cannot be read (permissions,
    /// a directory, no file system on this platform); the host's reason.
    FileUnreadable(String),
    /// [`crate::Step::ReadEnv`]: the variable's value, `None` when unset.
    Env(Option<String>),
    /// [`crate::Step::Run`]: the command ran to its end with this exit status
    /// and standard output (at most [`crate::MAX_RESPONSE_BODY`] + 1 bytes).
    Exited {
        /// The exit status (a signal's number negated where the platform says so).
        status: i32,
        /// What it wrote to standard output.
        stdout: Vec<u8>,
    },
    /// [`crate::Step::Run`]: the command could not be started (not found, not
    /// executable, no processes on this platform); the host's reason.
    NotStarted(String),
    /// [`crate::Step::Run`]: the command was still running at its time limit
    /// and the host killed it.
    TimedOut,
}

impl HostAnswer {
    /// An answer from the flat form the Python and JavaScript hosts give:
    /// `kind` is `file` (`bytes`), `missing`, `unreadable` (`text`: the reason),
    /// `env` (`text`, absent when unset), `exited` (`status`, `bytes`: stdout;
    /// a status left out is -1), `not_started` (`text`) or `timed_out`. An
    /// unknown kind, or a value of the other form (bytes for `env`, text for
    /// `file`, any value for `missing`), is `invalid_argument`, never read as
    /// "unset" or "empty".
    pub fn from_kind(
        kind: &str,
        text: Option<String>,
        bytes: Option<Vec<u8>>,
        status: Option<i32>,
    ) -> Result<Self> {
        let unknown = || Error::InvalidArgument {
            reason: format!("no host answer {}", crate::error::quoted(kind)),
        };
        let form = match kind {
            "file" | "exited" => (false, true),
            "unreadable" | "env" | "not_started" => (true, false),
            "missing" | "timed_out" => (false, false),
            _ => return Err(unknown()),
        };
        let wrong = match (text.is_some(), bytes.is_some()) {
            (true, _) if !form.0 => Some("text"),
            (_, true) if !form.1 => Some("bytes"),
            _ => None,
        };
        if let Some(given) = wrong {
            return Err(Error::InvalidArgument {
                reason: format!(
                    "host answer {} does not take {given}",
                    crate::error::quoted(kind)
                ),
            });
        }
        Ok(match kind {
            "file" => HostAnswer::File(bytes.unwrap_or_default()),
            "missing" => HostAnswer::FileMissing,
            "unreadable" => HostAnswer::FileUnreadable(text.unwrap_or_default()),
            "env" => HostAnswer::Env(text),
            "exited" => HostAnswer::Exited {
                status: status.unwrap_or(-1),
                stdout: bytes.unwrap_or_default(),
            },
            "not_started" => HostAnswer::NotStarted(text.unwrap_or_default()),
            "timed_out" => HostAnswer::TimedOut,
            _ => return Err(unknown()),
        })
    }

    /// A reason from the host, cut to a length fit for an error message.
    pub(crate) fn short(reason: &str) -> String {
        reason.chars().take(256).collect()
    }

    /// Why a file could not be read, from an answer to a read that is not its
    /// bytes: the host's reason, or what it answered instead.
    pub(crate) fn unreadable_reason(&self) -> String {
        match self {
            HostAnswer::FileUnreadable(why) => Self::short(why),
            other => format!("the host answered {other:?}"),
        }
    }
}

/// Contents and values are left out: files hold keys, variables secrets.
impl fmt::Debug for HostAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostAnswer::File(bytes) => write!(f, "File({} bytes)", bytes.len()),
            HostAnswer::FileMissing => f.write_str("FileMissing"),
            HostAnswer::FileUnreadable(why) => f.debug_tuple("FileUnreadable").field(why).finish(),
            HostAnswer::Env(value) => {
                write!(f, "Env({})", if value.is_some() { "set" } else { "unset" })
            }
            HostAnswer::Exited { status, stdout } => {
                write!(
                    f,
                    "Exited {{ status: {status}, stdout: {} bytes }}",
                    stdout.len()
                )
            }
            HostAnswer::NotStarted(why) => f.debug_tuple("NotStarted").field(why).finish(),
            HostAnswer::TimedOut => f.write_str("TimedOut"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_answers_name_every_outcome() {
        let text = || Some("why".to_owned());
        let bytes = || Some(b"out".to_vec());
        let answer = |kind| {
            let takes_bytes = matches!(kind, "file" | "exited");
            let takes_text = matches!(kind, "unreadable" | "env" | "not_started");
            let (text, bytes) = (
                text().filter(|_| takes_text),
                bytes().filter(|_| takes_bytes),
            );
            HostAnswer::from_kind(kind, text, bytes, Some(3)).unwrap()
        };
        assert_eq!(answer("file"), HostAnswer::File(b"out".to_vec()));
        assert_eq!(answer("missing"), HostAnswer::FileMissing);
        assert_eq!(
            answer("unreadable"),
            HostAnswer::FileUnreadable("why".into())
        );
        assert_eq!(answer("env"), HostAnswer::Env(text()));
        let exited = HostAnswer::Exited {
            status: 3,
            stdout: b"out".to_vec(),
        };
        assert_eq!(answer("exited"), exited);
        assert_eq!(answer("not_started"), HostAnswer::NotStarted("why".into()));
        assert_eq!(answer("timed_out"), HostAnswer::TimedOut);
        let unset = HostAnswer::from_kind("env", None, None, None).unwrap();
        assert_eq!(unset, HostAnswer::Env(None));
        let no_status = HostAnswer::from_kind("exited", None, None, None).unwrap();
        assert_eq!(
            no_status,
            HostAnswer::Exited {
                status: -1,
                stdout: Vec::new()
            }
        );
        let err = HostAnswer::from_kind("stdout", None, None, None).unwrap_err();
        assert_eq!(err.code(), "invalid_argument");
    }

    #[test]
    fn a_value_of_the_wrong_form_is_refused_not_dropped() {
        // Bytes for a variable would otherwise read as "unset", and text for a
        // file as an empty file.
        for (kind, text, bytes) in [
            ("env", None, Some(b"s3cret".to_vec())),
            ("unreadable", None, Some(b"s3cret".to_vec())),
            ("not_started", None, Some(b"s3cret".to_vec())),
            ("file", Some("s3cret".to_owned()), None),
            ("exited", Some("s3cret".to_owned()), None),
            ("missing", Some("s3cret".to_owned()), None),
            ("timed_out", None, Some(b"s3cret".to_vec())),
        ] {
            let err = HostAnswer::from_kind(kind, text, bytes, None).unwrap_err();
            assert_eq!(err.code(), "invalid_argument", "{kind}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
        }
    }

    #[test]
    fn debug_leaves_out_contents_and_values() {
        let file = format!("{:?}", HostAnswer::File(b"-----BEGIN PRIVATE KEY".to_vec()));
        let env = format!("{:?}", HostAnswer::Env(Some("aws-secret".into())));
        let run = format!(
            "{:?}",
            HostAnswer::Exited {
                status: 0,
                stdout: b"id-token".to_vec()
            }
        );
        assert_eq!(file, "File(22 bytes)");
        assert_eq!(env, "Env(set)");
        assert!(!run.contains("id-token"), "{run}");
    }

    #[test]
    fn a_read_asks_for_one_byte_more_than_the_flow_accepts() {
        assert_eq!(FileRead::new("/a", 10).max_bytes(), 11);
        assert_eq!(FileRead::new("/a", usize::MAX).max_bytes(), usize::MAX);
    }
}
