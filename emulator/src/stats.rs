//! Request counts by method and route pattern, so tests can assert how many
//! round trips a client made (`GET /_emulator/stats`).

use crate::server::Shared;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// How a request no route matched is counted: `"<METHOD> <fallback>"`.
pub const FALLBACK: &str = "<fallback>";

/// Counts of requests, keyed `"<METHOD> <route pattern>"` (`"POST /token"`,
/// `"GET /computeMetadata/{*path}"`).
#[derive(Debug, Default)]
pub struct RequestCounts {
    counts: Mutex<BTreeMap<String, u64>>,
}

impl RequestCounts {
    /// Adds one request to `key`.
    pub fn record(&self, key: String) {
        *self.lock().entry(key).or_default() += 1;
    }

    /// Every count so far, by key.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.lock().clone()
    }

    /// Forgets every count.
    pub fn reset(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Middleware: counts the request under its method and matched route (before
/// the handler runs, so `GET /_emulator/stats` includes itself).
pub async fn count(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(FALLBACK, MatchedPath::as_str);
    shared.stats.record(format!("{} {route}", request.method()));
    next.run(request).await
}
