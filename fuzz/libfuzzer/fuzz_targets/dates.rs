#![no_main]
//! `cargo fuzz` entry for credmint_fuzz::dates.

libfuzzer_sys::fuzz_target!(|data: &[u8]| credmint_fuzz::dates(data));
