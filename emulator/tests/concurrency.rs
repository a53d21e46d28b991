//! Many clients at once: every request answered correctly (a short version of
//! the load benchmark in examples/load; it asserts no failures, never timing).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../examples/load/mix.rs"]
#[allow(dead_code)]
mod mix;

use std::time::Duration;

#[test]
fn sixteen_concurrent_clients_see_no_failures() {
    let s = common::start(None);
    let report = mix::run(&s.base, s.key(common::CI), 16, Duration::from_secs(1));
    assert!(report.ok > 16, "only {} requests completed", report.ok);
    assert_eq!(report.failed, 0);
}
