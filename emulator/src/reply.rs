//! Responses in each service's own envelope: Google's `google.rpc.Status`,
//! RFC 6749 OAuth errors, IBM Cloud IAM's `errorCode` body and k0rdent's
//! `{"error":{code,message,details}}`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A JSON response with `status`.
pub fn json(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// `200 OK` with a JSON body.
pub fn ok(body: &Value) -> Response {
    json(StatusCode::OK, body)
}

fn status_of(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Google's error envelope (google.rpc.Status as JSON).
pub fn google(code: u16, status: &str, message: &str) -> Response {
    json(
        status_of(code),
        &json!({"error": {"code": code, "message": message, "status": status}}),
    )
}

/// Google's 400 `INVALID_ARGUMENT`.
pub fn invalid_argument(message: &str) -> Response {
    google(400, "INVALID_ARGUMENT", message)
}

/// Google's 401 for a missing, unknown or expired bearer token.
pub fn unauthenticated() -> Response {
    google(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    )
}

/// Google's 403 for a missing IAM permission, with the `ErrorInfo` detail that
/// names the permission (as `iamcredentials.googleapis.com` sends it).
pub fn permission_denied(permission: &str, resource: &str) -> Response {
    json(
        StatusCode::FORBIDDEN,
        &json!({"error": {
            "code": 403,
            "message": format!("Permission '{permission}' denied on resource '{resource}' (or it may not exist)."),
            "status": "PERMISSION_DENIED",
            "details": [{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "IAM_PERMISSION_DENIED",
                "domain": "iam.googleapis.com",
                "metadata": {"permission": permission}
            }]
        }}),
    )
}

/// Google's 404 for an unknown service account.
pub fn account_not_found(account: &str) -> Response {
    google(
        404,
        "NOT_FOUND",
        &format!("Not found; Gaia id not found for email {account}"),
    )
}

/// An RFC 6749 §5.2 error (`{"error":…,"error_description":…}`).
pub fn oauth(code: u16, error: &str, description: &str) -> Response {
    json(
        status_of(code),
        &json!({"error": error, "error_description": description}),
    )
}

/// IBM Cloud IAM's error body.
pub fn ibm(code: u16, error_code: &str, message: &str) -> Response {
    json(
        status_of(code),
        &json!({
            "errorCode": error_code,
            "errorMessage": message,
            "context": {
                "requestId": crate::random::hex_id(16),
                "requestType": "incoming.Identity_Token",
                "clusterName": "credmint-emulator",
                "locale": "en_US"
            }
        }),
    )
}

/// k0rdent's error envelope.
pub fn k0rdent(code: u16, message: &str) -> Response {
    json(
        status_of(code),
        &json!({"error": {"code": code, "message": message, "details": []}}),
    )
}

/// The value of a JSON body field for error messages (type names, not contents).
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
