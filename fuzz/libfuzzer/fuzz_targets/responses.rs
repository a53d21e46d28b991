#![no_main]
//! `cargo fuzz` entry for credmint_fuzz::responses.

libfuzzer_sys::fuzz_target!(|data: &[u8]| credmint_fuzz::responses(data));
