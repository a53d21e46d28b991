//! Credential documents and Application Default Credentials for JavaScript:
//! conversions only. The core reads the document, decides every default and
//! the ADC order; the package (js/api.js) answers with `fetch`, the file
//! system and the environment.

use crate::conversation::{Conversation, string_pairs};
use crate::errors::IntoJs;
use crate::keys::{ServiceAccountKey, text};
use credmint::{
    CredentialOptions, Credentials as CoreCredentials, DefaultCredentialsFlow, Environment,
    SecretString,
};
use js_sys::Array;
use wasm_bindgen::prelude::*;

/// The core's overrides from their JSON (`{"scopes": […], "token_uri": …}`).
fn options(json: Option<String>) -> Result<CredentialOptions, JsValue> {
    json.map_or_else(
        || Ok(CredentialOptions::default()),
        |json| CredentialOptions::from_json(&json).js_err(),
    )
}

/// The environment variables Application Default Credentials reads.
#[wasm_bindgen(js_name = adcVariables)]
pub fn adc_variables() -> Vec<String> {
    credmint::ADC_VARIABLES
        .iter()
        .map(|name| (*name).to_owned())
        .collect()
}

/// Credentials of any kind (native half of the package's `DocumentCredentials`).
#[wasm_bindgen]
pub struct Credentials {
    inner: CoreCredentials,
}

impl Credentials {
    /// Wraps core credentials (what ADC found).
    pub(crate) fn from_core(inner: CoreCredentials) -> Self {
        Credentials { inner }
    }

    /// The core credentials, for the shared cache's key.
    pub(crate) fn core(&self) -> &CoreCredentials {
        &self.inner
    }
}

#[wasm_bindgen]
impl Credentials {
    /// Reads a credential document; `options_json` is the core's `CredentialOptions`.
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(utf8: &[u8], options_json: Option<String>) -> Result<Credentials, JsValue> {
        let inner =
            CoreCredentials::from_json_with(&text(utf8), &options(options_json)?).js_err()?;
        Ok(Credentials { inner })
    }

    /// A loaded key; with `external`, assertions are `sign` steps (WebCrypto).
    #[wasm_bindgen(js_name = fromServiceAccountKey)]
    pub fn from_service_account_key(
        key: &ServiceAccountKey,
        external: bool,
        options_json: Option<String>,
    ) -> Result<Credentials, JsValue> {
        let options = options(options_json)?;
        let inner =
            CoreCredentials::from_service_account_key(&key.inner, external, &options).js_err()?;
        Ok(Credentials { inner })
    }

    /// A service account whose key stays with the host: every assertion is a `sign` step.
    #[wasm_bindgen(js_name = fromSigner)]
    pub fn from_signer(
        client_email: &str,
        key_id: &str,
        options_json: Option<String>,
    ) -> Result<Credentials, JsValue> {
        let options = options(options_json)?;
        let inner = CoreCredentials::from_signer(client_email, key_id, &options).js_err()?;
        Ok(Credentials { inner })
    }

    /// The key WebCrypto signs with for these credentials (read with the
    /// `host_signs` option), if any.
    #[wasm_bindgen(getter, js_name = hostSigningKey)]
    pub fn host_signing_key(&self) -> Option<ServiceAccountKey> {
        self.inner
            .host_signing_key()
            .map(|key| ServiceAccountKey { inner: key.clone() })
    }

    /// The document's `type`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.inner.kind().as_str().to_owned()
    }

    /// The token cache's refresh policy: `google`, `ibm` or `metadata`.
    #[wasm_bindgen(getter, js_name = refreshPolicy)]
    pub fn refresh_policy(&self) -> Option<String> {
        self.inner.refresh_policy().name().map(str::to_owned)
    }

    /// The project billed for quota.
    #[wasm_bindgen(getter, js_name = quotaProjectId)]
    pub fn quota_project_id(&self) -> Option<String> {
        self.inner.quota_project_id().map(str::to_owned)
    }

    /// The universe domain.
    #[wasm_bindgen(getter, js_name = universeDomain)]
    pub fn universe_domain(&self) -> String {
        self.inner.universe_domain().to_owned()
    }

    /// The project the document names.
    #[wasm_bindgen(getter, js_name = projectId)]
    pub fn project_id(&self) -> Option<String> {
        self.inner.project_id().map(str::to_owned)
    }

    /// The service account these credentials act as, where known.
    #[wasm_bindgen(getter, js_name = serviceAccountEmail)]
    pub fn service_account_email(&self) -> Option<String> {
        self.inner.service_account_email().map(str::to_owned)
    }

    /// The conversation that obtains an access token; an `external_account`
    /// sources its subject token as its document says, unless one is given.
    #[wasm_bindgen(js_name = accessToken)]
    pub fn access_token(&self, subject_token: Option<String>) -> Result<Conversation, JsValue> {
        let flow = match subject_token {
            Some(token) => self
                .inner
                .access_token_flow_with_subject_token(&SecretString::from(token)),
            None => self.inner.access_token_flow(),
        }
        .js_err()?;
        Ok(Conversation::new(flow))
    }

    /// The conversation that obtains an ID token for `audience` (`not_supported` for some kinds).
    #[wasm_bindgen(js_name = idToken)]
    pub fn id_token(&self, audience: &str) -> Result<Conversation, JsValue> {
        Ok(Conversation::new(
            self.inner.id_token_flow(audience).js_err()?,
        ))
    }
}

/// ADC over `env` (`[[name, value], …]` of the variables of `adcVariables()`
/// that are set): a conversation that ends with `{credentials, source, path, projectId}`.
#[wasm_bindgen(js_name = defaultCredentials)]
pub fn default_credentials(
    env: Array,
    windows: bool,
    options_json: Option<String>,
) -> Result<Conversation, JsValue> {
    let mut environment = Environment::new(windows);
    for (name, value) in string_pairs(&env)? {
        environment.set(&name, value);
    }
    Ok(Conversation::new(DefaultCredentialsFlow::new(
        environment,
        options(options_json)?,
    )))
}
