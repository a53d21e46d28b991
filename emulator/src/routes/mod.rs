//! HTTP handlers, one module per service.

pub mod admin;
pub mod iam;
pub mod iap;
pub mod ibm;
pub mod k0rdent;
pub mod keys;
pub mod metadata;
pub mod oauth;
pub mod sts;
pub mod user;
pub mod workforce;

use crate::bearer::Grant;
use crate::server::Shared;
use axum::http::HeaderMap;

/// The grant behind the request's bearer token, if it is valid now.
pub(crate) fn caller(shared: &Shared, headers: &HeaderMap) -> Option<Grant> {
    let token = crate::request::bearer(headers)?;
    shared
        .world
        .minter
        .check(token, crate::clock::now().as_secs())
}

/// Constant-time equality of two hex digests.
pub(crate) fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
