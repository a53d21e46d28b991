//! Which RSA keys credmint accepts, enforced the same way whatever the backend.
//!
//! - Public exponent exactly 65537 (small exponents such as 3 and huge ones are refused).
//! - Signing keys: 2048, 3072 or 4096 bits. These are the sizes every RSA
//!   implementation supports (ring requires primes of a multiple of 512 bits and
//!   at most 4096-bit moduli), so a key that loads in one binding loads in all.
//! - Verification keys: 2048 to 8192 bits.

use crate::error::{Error, Result};

/// Smallest modulus accepted, in bits.
pub const MIN_BITS: usize = 2048;
/// Modulus sizes accepted for signing keys, in bits.
pub const SIGNING_KEY_BITS: [usize; 3] = [2048, 3072, 4096];
/// Largest modulus accepted for verification keys, in bits.
pub const MAX_VERIFYING_BITS: usize = 8192;
/// The only public exponent accepted.
pub const PUBLIC_EXPONENT: u32 = 65537;

/// What the key will be used for; signing keys have a narrower size range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyUse {
    Sign,
    Verify,
}

/// A modulus and exponent that passed the policy, as minimal big-endian bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CheckedComponents {
    pub(crate) n: Vec<u8>,
    pub(crate) e: Vec<u8>,
    pub(crate) bits: usize,
}

/// Checks `n` and `e` (big-endian, leading zero bytes allowed) against the policy.
pub(crate) fn check(n: &[u8], e: &[u8], key_use: KeyUse) -> Result<CheckedComponents> {
    let n = strip_leading_zeros(n);
    let e = strip_leading_zeros(e);
    let bits = bit_length(n);
    if *e != PUBLIC_EXPONENT.to_be_bytes()[1..] {
        return Err(Error::unsupported_key(
            "public exponent must be 65537 (AQAB)",
        ));
    }
    if n.last().is_none_or(|low| low & 1 == 0) {
        return Err(Error::invalid_key("RSA modulus is even"));
    }
    match key_use {
        KeyUse::Sign if !SIGNING_KEY_BITS.contains(&bits) => Err(Error::unsupported_key(format!(
            "{bits}-bit RSA signing key: credmint signs with 2048-, 3072- or 4096-bit keys"
        ))),
        KeyUse::Verify if !(MIN_BITS..=MAX_VERIFYING_BITS).contains(&bits) => {
            Err(Error::unsupported_key(format!(
                "{bits}-bit RSA key: credmint verifies with 2048- to 8192-bit keys"
            )))
        }
        _ => Ok(CheckedComponents {
            n: n.to_vec(),
            e: e.to_vec(),
            bits,
        }),
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn bit_length(minimal_be: &[u8]) -> usize {
    match minimal_be.first() {
        None => 0,
        Some(top) => minimal_be.len() * 8 - top.leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modulus(bits: usize) -> Vec<u8> {
        let mut n = vec![0xffu8; bits.div_ceil(8)];
        if !bits.is_multiple_of(8) {
            n[0] = (1u8 << (bits % 8)) - 1;
        }
        n
    }

    #[test]
    fn signing_sizes() {
        for bits in [2048, 3072, 4096] {
            assert_eq!(
                check(&modulus(bits), &[1, 0, 1], KeyUse::Sign)
                    .unwrap()
                    .bits,
                bits
            );
        }
        for bits in [1024, 2047, 2049, 2560, 4097, 8192] {
            let err = check(&modulus(bits), &[1, 0, 1], KeyUse::Sign).unwrap_err();
            assert_eq!(err.code(), "unsupported_key", "{bits}");
        }
    }

    #[test]
    fn verifying_sizes() {
        for bits in [2048, 2049, 3000, 8192] {
            assert!(check(&modulus(bits), &[1, 0, 1], KeyUse::Verify).is_ok());
        }
        for bits in [512, 1024, 2047, 8193] {
            assert!(check(&modulus(bits), &[1, 0, 1], KeyUse::Verify).is_err());
        }
    }

    #[test]
    fn exponent_must_be_65537() {
        let n = modulus(2048);
        assert!(check(&n, &[0, 1, 0, 1], KeyUse::Verify).is_ok());
        for e in [
            &[3u8][..],
            &[1],
            &[1, 0, 0, 1],
            &[1, 0, 1, 0],
            &[],
            &[0xff; 8],
        ] {
            assert_eq!(
                check(&n, e, KeyUse::Verify).unwrap_err().code(),
                "unsupported_key"
            );
        }
    }

    #[test]
    fn even_modulus_is_invalid() {
        let mut n = modulus(2048);
        *n.last_mut().unwrap() = 0xfe;
        assert_eq!(
            check(&n, &[1, 0, 1], KeyUse::Verify).unwrap_err().code(),
            "invalid_key"
        );
    }
}
