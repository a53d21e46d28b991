//! The one place core errors become JavaScript errors: a `CredmintError`
//! (js/errors.js) with the stable code, the core's family, HTTP status,
//! retryability and the server's own words.

use credmint::Error;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The package's `CredmintError` class (js/errors.js), registered at load.
    static ERROR_CLASS: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// Registers the class every error is constructed with (done once by the package).
#[wasm_bindgen(js_name = setErrorClass)]
pub fn set_error_class(class: js_sys::Function) {
    ERROR_CLASS.with(|slot| *slot.borrow_mut() = Some(class));
}

fn optional(value: Option<String>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, |v| JsValue::from_str(&v))
}

/// A core error as a thrown `CredmintError`.
pub fn to_js(err: Error) -> JsValue {
    let (remote_code, reason, permission, retry_after) = match &err {
        Error::Remote(remote) => (
            remote.provider_code.clone(),
            remote.reason.clone(),
            remote.permission.clone(),
            remote
                .retry_after
                .map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
        ),
        _ => (None, None, None, None),
    };
    let arguments = js_sys::Array::new();
    arguments.push(&JsValue::from_str(&err.to_string()));
    arguments.push(&JsValue::from_str(err.code()));
    arguments.push(&err.http_status().map_or(JsValue::UNDEFINED, JsValue::from));
    arguments.push(&JsValue::from_bool(err.is_retryable()));
    arguments.push(&optional(remote_code));
    arguments.push(&optional(reason));
    arguments.push(&optional(permission));
    arguments.push(&retry_after.map_or(JsValue::UNDEFINED, JsValue::from));
    arguments.push(&JsValue::from_str(err.family().as_str()));
    let constructed = ERROR_CLASS.with(|slot| {
        slot.borrow()
            .as_ref()
            .and_then(|class| js_sys::Reflect::construct(class, &arguments).ok())
    });
    constructed.unwrap_or_else(|| {
        // Without the package's class: a plain Error carrying the same fields.
        let error = js_sys::Error::new(&err.to_string());
        let _ = js_sys::Reflect::set(&error, &"code".into(), &JsValue::from_str(err.code()));
        error.into()
    })
}

/// An `invalid_argument` error raised by the binding itself.
pub fn invalid_argument(message: impl Into<String>) -> JsValue {
    to_js(Error::InvalidArgument {
        reason: message.into(),
    })
}

/// `Result<T, credmint::Error>` → `Result<T, JsValue>`.
pub trait IntoJs<T> {
    /// Maps the error into its thrown `CredmintError`.
    fn js_err(self) -> Result<T, JsValue>;
}

impl<T> IntoJs<T> for Result<T, Error> {
    fn js_err(self) -> Result<T, JsValue> {
        self.map_err(to_js)
    }
}
