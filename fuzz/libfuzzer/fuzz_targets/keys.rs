#![no_main]
//! `cargo fuzz` entry for credmint_fuzz::keys.

libfuzzer_sys::fuzz_target!(|data: &[u8]| credmint_fuzz::keys(data));
