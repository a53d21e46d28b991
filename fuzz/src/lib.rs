//! The bodies of credmint's fuzz targets.
//!
//! Each target takes the raw bytes a fuzzer produces and drives one family of
//! credmint's parsers of outside input with them, checking what must hold for
//! every input, not only for well-formed ones:
//!
//! - nothing panics, and every failure is a typed [`credmint::Error`];
//! - every flow ends within a bounded number of steps, each request carries a
//!   time limit the core chose and each wait is bounded (never a hang);
//! - no secret a credential or a request carries shows up in an error message;
//! - what parses prints back to what it parsed (dates);
//! - an internal fast path agrees with the reference it replaced (json).
//!
//! `libfuzzer/` wraps each function in a `fuzz_target!` for `cargo fuzz`
//! (nightly); `tests/corpus.rs` replays the committed corpora and the
//! regressions through the same functions on stable, so CI runs them without
//! a fuzzer.

// A fuzz target reports a broken property by panicking: that is how libFuzzer
// learns of it.
#![allow(clippy::panic)]

mod adc;
mod dates;
mod documents;
mod input;
mod json;
mod jws;
mod keys;
mod properties;
mod reference;
mod responses;

pub use adc::adc;
pub use dates::dates;
pub use documents::documents;
pub use json::json;
pub use jws::jws;
pub use keys::keys;
pub use responses::responses;

/// A fuzz target: any bytes in, a panic out if a property breaks.
pub type Target = fn(&[u8]);

/// Every target by the name `cargo fuzz` and the corpus directories use.
pub const TARGETS: &[(&str, Target)] = &[
    ("adc", adc),
    ("dates", dates),
    ("documents", documents),
    ("json", json),
    ("jws", jws),
    ("keys", keys),
    ("responses", responses),
];
