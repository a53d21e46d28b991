//! `credmint._native`: the credmint core for Python. Only conversions live
//! here; `credmint` (python/credmint) adds transports, the clock and the
//! Pythonic API, and every protocol rule stays in the core.

mod cache;
mod conversation;
mod credentials;
mod errors;
mod flows;
mod keys;
mod shared;
mod tokens;
mod verifier;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<keys::ServiceAccountKey>()?;
    module.add_class::<keys::PyKeySet>()?;
    module.add_class::<tokens::AccessToken>()?;
    module.add_class::<tokens::IdToken>()?;
    module.add_class::<conversation::Conversation>()?;
    module.add_class::<cache::TokenCache>()?;
    module.add_class::<shared::SharedCache>()?;
    module.add_class::<shared::SharedRefresh>()?;
    module.add_class::<credentials::Credentials>()?;
    module.add_class::<verifier::TokenVerifier>()?;
    module.add("ADC_VARIABLES", credmint::ADC_VARIABLES.to_vec())?;
    module.add(
        "MAX_CREDENTIAL_FILE_SIZE",
        credmint::MAX_CREDENTIAL_FILE_SIZE,
    )?;
    module.add_function(wrap_pyfunction!(credentials::default_credentials, module)?)?;
    module.add_function(wrap_pyfunction!(flows::iam_call, module)?)?;
    module.add_function(wrap_pyfunction!(flows::list_credentials, module)?)?;
    module.add_function(wrap_pyfunction!(flows::bearer_token, module)?)?;
    #[cfg(feature = "conformance")]
    {
        module.add_function(wrap_pyfunction!(flows::_conformance_flow, module)?)?;
        module.add_function(wrap_pyfunction!(flows::_sample_error, module)?)?;
    }
    module.add("MAX_RESPONSE_BODY", credmint::MAX_RESPONSE_BODY)?;
    module.add(
        "IAM_REFRESH_POLICY",
        credmint::IamCredentials::REFRESH_POLICY.name(),
    )?;
    module.add("DEFAULT_TIMEOUT_MILLIS", credmint::DEFAULT_TIMEOUT_MILLIS)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
