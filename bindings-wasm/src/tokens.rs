//! Tokens handed to JavaScript; the secret only through `token`.

use credmint::{AccessToken as CoreAccessToken, AnyToken, IdToken as CoreIdToken};
use wasm_bindgen::prelude::*;

/// An OAuth 2.0 access token.
#[wasm_bindgen]
#[derive(Clone)]
pub struct AccessToken {
    pub(crate) inner: CoreAccessToken,
}

#[wasm_bindgen]
impl AccessToken {
    /// The bearer token string.
    #[wasm_bindgen(getter)]
    pub fn token(&self) -> String {
        self.inner.token().expose_secret().to_owned()
    }

    /// Expiry, Unix seconds.
    #[wasm_bindgen(getter, js_name = expiresAtUnix)]
    pub fn expires_at_unix(&self) -> f64 {
        self.inner.expires_at().as_secs() as f64
    }

    /// When it was obtained, Unix seconds.
    #[wasm_bindgen(getter, js_name = obtainedAtUnix)]
    pub fn obtained_at_unix(&self) -> f64 {
        self.inner.obtained_at().as_secs() as f64
    }

    /// The refresh token issued with it (IBM), if any.
    #[wasm_bindgen(getter, js_name = refreshToken)]
    pub fn refresh_token(&self) -> Option<String> {
        self.inner
            .refresh_token()
            .map(|t| t.expose_secret().to_owned())
    }

    /// Granted scopes, if the server said.
    #[wasm_bindgen(getter)]
    pub fn scope(&self) -> Option<String> {
        self.inner.scope().map(str::to_owned)
    }
}

/// An OpenID Connect ID token.
#[wasm_bindgen]
#[derive(Clone)]
pub struct IdToken {
    pub(crate) inner: CoreIdToken,
}

#[wasm_bindgen]
impl IdToken {
    /// The JWT.
    #[wasm_bindgen(getter)]
    pub fn token(&self) -> String {
        self.inner.token().expose_secret().to_owned()
    }

    /// Its `exp`, Unix seconds.
    #[wasm_bindgen(getter, js_name = expiresAtUnix)]
    pub fn expires_at_unix(&self) -> f64 {
        self.inner.expires_at().as_secs() as f64
    }
}

/// The JavaScript object for a cached token.
pub fn to_js(token: &AnyToken) -> JsValue {
    match token {
        AnyToken::Access(inner) => AccessToken {
            inner: inner.clone(),
        }
        .into(),
        AnyToken::Id(inner) => IdToken {
            inner: inner.clone(),
        }
        .into(),
    }
}
