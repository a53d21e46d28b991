#![no_main]
//! `cargo fuzz` entry for credmint_fuzz::json.

libfuzzer_sys::fuzz_target!(|data: &[u8]| credmint_fuzz::json(data));
