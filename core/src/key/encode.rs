//! DER encoding of private keys for platform keystores.

use der::asn1::{AnyRef, OctetStringRef};
use der::{Encode, Result};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

/// Wraps a PKCS#1 `RSAPrivateKey` in a PKCS#8 `PrivateKeyInfo` (rsaEncryption,
/// NULL parameters), written into one buffer of the exact size, wiped on drop.
pub(crate) fn pkcs8_from_pkcs1(pkcs1: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let algorithm = AlgorithmIdentifierRef {
        oid: pkcs1::ALGORITHM_OID,
        parameters: Some(AnyRef::NULL),
    };
    let info = pkcs8::PrivateKeyInfoRef::new(algorithm, OctetStringRef::new(pkcs1)?);
    let length = usize::try_from(info.encoded_len()?)?;
    let mut out = Zeroizing::new(Vec::with_capacity(length));
    info.encode_to_vec(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, SecretDocument};

    #[test]
    fn wrapping_the_inner_key_of_a_google_pkcs8_file_gives_the_same_bytes() {
        let file: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/vectors/keys/sa_2048_pkcs8.json"
        ))
        .unwrap();
        let pem = file["private_key"].as_str().unwrap();
        let (_, original) = SecretDocument::from_pem(pem).unwrap();
        let info = pkcs8::PrivateKeyInfoRef::from_der(original.as_bytes()).unwrap();
        let wrapped = pkcs8_from_pkcs1(info.private_key.as_bytes()).unwrap();
        assert_eq!(wrapped.as_slice(), original.as_bytes());
        assert_eq!(wrapped.len(), wrapped.capacity());
    }
}
