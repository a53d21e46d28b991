#![no_main]
//! `cargo fuzz` entry for credmint_fuzz::adc.

libfuzzer_sys::fuzz_target!(|data: &[u8]| credmint_fuzz::adc(data));
