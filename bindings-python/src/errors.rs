//! The one place credmint errors become Python exceptions: each error becomes
//! a class of `credmint.errors` under its core family's base class, built with the code, the message,
//! and for remote errors the HTTP status, retryability and the server's code.

use credmint::{Error, ErrorFamily};
use pyo3::prelude::*;

/// The `credmint.errors` class of an error: the class of its code where the
/// code has one, else the base class of its core family.
fn class_of(err: &Error) -> &'static str {
    match err.code() {
        "token_expired" => "TokenExpiredError",
        "token_not_yet_valid" | "token_issued_in_future" => "TokenNotYetValidError",
        "signature_invalid" => "SignatureInvalidError",
        "audience_mismatch" => "AudienceMismatchError",
        "issuer_mismatch" => "IssuerMismatchError",
        "malformed_token" | "unsupported_algorithm" => "MalformedTokenError",
        "invalid_response" => "InvalidResponseError",
        "credentials_not_found" => "CredentialsNotFoundError",
        "not_supported" => "NotSupportedError",
        _ => match err.family() {
            ErrorFamily::Key => "InvalidKeyError",
            ErrorFamily::Token => "TokenValidationError",
            ErrorFamily::InvalidArgument => "InvalidArgumentError",
            ErrorFamily::Signing => "SigningError",
            ErrorFamily::Transport => "TransportError",
            ErrorFamily::Remote => "RemoteError",
        },
    }
}

/// Converts a core error into the matching `credmint.errors` exception.
pub fn to_py(err: Error) -> PyErr {
    Python::attach(|py| match build(py, &err) {
        Ok(exception) => exception,
        Err(failure) => failure,
    })
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let module = py.import("credmint.errors")?;
    let class = module.getattr(class_of(err))?;
    let value = class.call1((
        err.to_string(),
        err.code(),
        err.http_status(),
        err.is_retryable(),
    ))?;
    if let Error::Remote(remote) = err {
        value.setattr("remote_code", remote.provider_code.clone())?;
        value.setattr("reason", remote.reason.clone())?;
        value.setattr("permission", remote.permission.clone())?;
        value.setattr("retry_after", remote.retry_after)?;
    }
    Ok(PyErr::from_value(value))
}

/// `Result<T, credmint::Error>` → `PyResult<T>`.
pub trait IntoPy<T> {
    /// Maps the error into its Python exception.
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// An `InvalidArgumentError` raised by the binding itself.
pub fn invalid_argument(message: impl Into<String>) -> PyErr {
    to_py(Error::InvalidArgument {
        reason: message.into(),
    })
}
