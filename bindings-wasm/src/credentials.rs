//! Credential documents and Application Default Credentials for JavaScript:
//! conversions only. The core reads the document, decides every default and
//! the ADC order; the package (js/api.js) answers with `fetch`, the file
//! system and the environment.

use crate::conversation::{Conversation, response, send_step, string_pairs};
use crate::errors::IntoJs;
use crate::flows::ExternalAccount;
use crate::keys::{ServiceAccountKey, now_of, text};
use credmint::{
    AdcStep, CredentialOptions, Credentials as CoreCredentials, DefaultCredentialsFlow as CoreAdc,
    Environment, SecretString,
};
use js_sys::{Array, Object, Reflect};
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

    /// The federation configuration of an `external_account` document.
    #[wasm_bindgen(js_name = externalAccount)]
    pub fn external_account(&self) -> Option<ExternalAccount> {
        self.inner
            .external_account()
            .cloned()
            .map(ExternalAccount::from_core)
    }

    /// The conversation that obtains an access token (`subject_token` for `external_account`).
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

/// ADC as a conversation. `poll(now)` returns `["read_file", path]`, a `send`
/// or `wait` step as a `Conversation`'s, or `["done", {credentials, source,
/// path, projectId}]`.
#[wasm_bindgen]
pub struct DefaultCredentialsFlow {
    inner: CoreAdc,
}

#[wasm_bindgen]
impl DefaultCredentialsFlow {
    /// ADC over `env` (`[[name, value], …]` of the variables of `adcVariables()` that are set).
    #[wasm_bindgen(constructor)]
    pub fn new(
        env: Array,
        windows: bool,
        options_json: Option<String>,
    ) -> Result<DefaultCredentialsFlow, JsValue> {
        let mut environment = Environment::new(windows);
        for (name, value) in string_pairs(&env)? {
            environment.set(&name, value);
        }
        Ok(DefaultCredentialsFlow {
            inner: CoreAdc::new(environment, options(options_json)?),
        })
    }

    /// The next step at `now` (Unix seconds).
    pub fn poll(&mut self, now: f64) -> Result<Array, JsValue> {
        Ok(match self.inner.poll(now_of(now)?).js_err()? {
            AdcStep::ReadFile(path) => Array::of2(&"read_file".into(), &path.into()),
            AdcStep::Send(request) => send_step(&request),
            AdcStep::Wait(until) => Array::of2(&"wait".into(), &(until.as_secs() as f64).into()),
            AdcStep::Done(found) => {
                let value = Object::new();
                let credentials = Credentials {
                    inner: found.credentials,
                };
                let optional = |text: Option<&str>| text.map_or(JsValue::UNDEFINED, Into::into);
                Reflect::set(&value, &"credentials".into(), &credentials.into())?;
                Reflect::set(&value, &"source".into(), &found.source.as_str().into())?;
                Reflect::set(&value, &"path".into(), &optional(found.source.path()))?;
                Reflect::set(
                    &value,
                    &"projectId".into(),
                    &optional(found.project_id.as_deref()),
                )?;
                Array::of2(&"done".into(), &value)
            }
        })
    }

    /// The contents of the file of the last `read_file` step.
    #[wasm_bindgen(js_name = feedFile)]
    pub fn feed_file(&mut self, contents: Vec<u8>) -> Result<(), JsValue> {
        self.inner.feed_file(contents).js_err()
    }

    /// The file of the last `read_file` step does not exist.
    #[wasm_bindgen(js_name = feedFileMissing)]
    pub fn feed_file_missing(&mut self) -> Result<(), JsValue> {
        self.inner.feed_file_missing().js_err()
    }

    /// The file exists but could not be read (`reason`: the host's error code).
    #[wasm_bindgen(js_name = feedFileError)]
    pub fn feed_file_error(&mut self, reason: &str) -> Result<(), JsValue> {
        self.inner.feed_file_error(reason).js_err()
    }

    /// The answer to the last `send` step.
    #[wasm_bindgen(js_name = feedResponse)]
    pub fn feed_response(
        &mut self,
        status: u16,
        headers: Array,
        body: &[u8],
    ) -> Result<(), JsValue> {
        self.inner
            .feed_response(response(status, &headers, body)?)
            .js_err()
    }

    /// The last `send` step could not be completed.
    #[wasm_bindgen(js_name = feedTransportError)]
    pub fn feed_transport_error(&mut self, reason: &str) -> Result<(), JsValue> {
        self.inner.feed_transport_error(reason).js_err()
    }
}
