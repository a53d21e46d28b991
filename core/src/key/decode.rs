//! PEM and DER decoding of keys and certificates into policy-checked components
//! (RSA private keys; RSA and P-256 public keys).
//!
//! Private keys: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
//! Public keys: SPKI (`BEGIN PUBLIC KEY`; RSA, or EC on P-256), PKCS#1 (`BEGIN RSA PUBLIC KEY`) or an
//! X.509 certificate (`BEGIN CERTIFICATE`; validity dates are not checked, as
//! Google's own certificate endpoints and google-auth do not).
//! Every decoded private byte lives in a buffer that is wiped on drop, and no
//! error message ever quotes the input.

use super::ec::EcPoint;
use super::policy::{self, CheckedComponents, KeyUse};
use super::public::KeyMaterial;
use crate::error::{Error, Result};
use der::{Decode, SecretDocument};
use zeroize::Zeroizing;

/// A PKCS#1 `RSAPrivateKey` that passed the signing-key policy.
pub(crate) struct PrivateKeyDer {
    /// PKCS#1 DER, wiped on drop.
    pub(crate) pkcs1: SecretDocument,
    pub(crate) public: CheckedComponents,
}

/// Decodes a PEM private key (PKCS#8 or PKCS#1).
///
/// A PEM whose line breaks arrived as the two characters `\n` (a common result
/// of storing a key in an environment variable) is accepted too.
pub(crate) fn private_key_from_pem(pem: &str) -> Result<PrivateKeyDer> {
    let pem = normalize_pem(pem);
    if pem.contains("Proc-Type:") && pem.contains("ENCRYPTED") {
        return Err(Error::unsupported_key(
            "encrypted private keys are not supported",
        ));
    }
    let (label, document) = SecretDocument::from_pem(&pem)
        .map_err(|_| Error::invalid_key("not a single well-formed PEM block"))?;
    match label {
        "PRIVATE KEY" => private_key_from_pkcs8_der(document.as_bytes()),
        "RSA PRIVATE KEY" => private_key_from_pkcs1_der(document.as_bytes()),
        "ENCRYPTED PRIVATE KEY" => Err(Error::unsupported_key(
            "encrypted private keys are not supported",
        )),
        "EC PRIVATE KEY" | "OPENSSH PRIVATE KEY" | "DSA PRIVATE KEY" => {
            Err(Error::unsupported_key(format!(
                "{label} is not an RSA key in PKCS#1 or PKCS#8 form"
            )))
        }
        "PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE" => Err(Error::invalid_key(format!(
            "expected a private key, found {label}"
        ))),
        _ => Err(Error::invalid_key("unknown PEM label for a private key")),
    }
}

/// Decodes a PKCS#8 `PrivateKeyInfo` holding an RSA key.
pub(crate) fn private_key_from_pkcs8_der(der: &[u8]) -> Result<PrivateKeyDer> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|_| Error::invalid_key("malformed PKCS#8 PrivateKeyInfo"))?;
    if info.algorithm.oid != pkcs1::ALGORITHM_OID {
        return Err(Error::unsupported_key(format!(
            "PKCS#8 key algorithm {} is not rsaEncryption",
            info.algorithm.oid
        )));
    }
    private_key_from_pkcs1_der(info.private_key.as_bytes())
}

/// Decodes a PKCS#1 `RSAPrivateKey` and checks it against the signing-key policy.
pub(crate) fn private_key_from_pkcs1_der(der: &[u8]) -> Result<PrivateKeyDer> {
    let key = pkcs1::RsaPrivateKeyRef::from_der(der)
        .map_err(|_| Error::invalid_key("malformed PKCS#1 RSAPrivateKey"))?;
    if key.version() != pkcs1::Version::TwoPrime {
        return Err(Error::unsupported_key(
            "multi-prime RSA keys are not supported",
        ));
    }
    let public = policy::check(
        key.modulus.as_bytes(),
        key.public_exponent.as_bytes(),
        KeyUse::Sign,
    )?;
    let pkcs1 = SecretDocument::try_from(der)
        .map_err(|_| Error::invalid_key("malformed PKCS#1 RSAPrivateKey"))?;
    Ok(PrivateKeyDer { pkcs1, public })
}

/// Decodes every PEM block in `text` (certificates and public keys) into keys.
/// Only whitespace may appear between blocks.
pub(crate) fn public_keys_from_pem(text: &str) -> Result<Vec<KeyMaterial>> {
    let text = normalize_pem(text);
    let blocks = split_pem_blocks(&text)?;
    if blocks.is_empty() {
        return Err(Error::invalid_key("no PEM block found"));
    }
    blocks.into_iter().map(public_key_from_pem_block).collect()
}

fn public_key_from_pem_block(block: &str) -> Result<KeyMaterial> {
    let (label, document) =
        der::Document::from_pem(block).map_err(|_| Error::invalid_key("malformed PEM block"))?;
    match label {
        "CERTIFICATE" => public_key_from_certificate_der(document.as_bytes()),
        "PUBLIC KEY" => public_key_from_spki_der(document.as_bytes()),
        "RSA PUBLIC KEY" => public_key_from_pkcs1_der(document.as_bytes()).map(KeyMaterial::Rsa),
        label if label.contains("PRIVATE KEY") => Err(Error::invalid_key(
            "expected a public key or certificate, found a private key",
        )),
        _ => Err(Error::invalid_key(
            "unknown PEM label for a public key or certificate",
        )),
    }
}

/// `id-ecPublicKey` (RFC 5480).
const EC_PUBLIC_KEY_OID: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `prime256v1` / `secp256r1` (RFC 5480).
const P256_OID: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// Decodes an X.509 certificate and returns its subject public key (RSA or P-256).
pub(crate) fn public_key_from_certificate_der(der: &[u8]) -> Result<KeyMaterial> {
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|_| Error::invalid_key("malformed X.509 certificate"))?;
    let spki = cert.tbs_certificate().subject_public_key_info();
    let parameters = spki
        .algorithm
        .parameters
        .as_ref()
        .map(|any| any.decode_as::<der::asn1::ObjectIdentifier>().ok());
    public_key_from_spki_parts(
        &spki.algorithm.oid,
        parameters,
        spki.subject_public_key.as_bytes(),
    )
}

/// Decodes a DER `SubjectPublicKeyInfo` holding an RSA or a P-256 key.
pub(crate) fn public_key_from_spki_der(der: &[u8]) -> Result<KeyMaterial> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|_| Error::invalid_key("malformed SubjectPublicKeyInfo"))?;
    let parameters = spki
        .algorithm
        .parameters
        .map(|any| any.decode_as::<der::asn1::ObjectIdentifier>().ok());
    public_key_from_spki_parts(
        &spki.algorithm.oid,
        parameters,
        spki.subject_public_key.as_bytes(),
    )
}

/// `parameters`: absent (`None`), or present and an OID (`Some(Some(oid))`) or not (`Some(None)`).
fn public_key_from_spki_parts(
    oid: &der::asn1::ObjectIdentifier,
    parameters: Option<Option<der::asn1::ObjectIdentifier>>,
    key_bits: Option<&[u8]>,
) -> Result<KeyMaterial> {
    if *oid == EC_PUBLIC_KEY_OID {
        if parameters != Some(Some(P256_OID)) {
            return Err(Error::unsupported_key(
                "EC public key is not on P-256 (ES256 is the only EC algorithm)",
            ));
        }
        let point = key_bits.ok_or_else(|| Error::invalid_key("malformed EC public key bits"))?;
        return EcPoint::from_sec1(point).map(KeyMaterial::P256);
    }
    if *oid != pkcs1::ALGORITHM_OID {
        return Err(Error::unsupported_key(format!(
            "public key algorithm {oid} is neither rsaEncryption nor id-ecPublicKey"
        )));
    }
    let key_bits = key_bits.ok_or_else(|| Error::invalid_key("malformed RSA public key bits"))?;
    public_key_from_pkcs1_der(key_bits).map(KeyMaterial::Rsa)
}

/// Decodes a PKCS#1 `RSAPublicKey` and checks it against the verification-key policy.
pub(crate) fn public_key_from_pkcs1_der(der: &[u8]) -> Result<CheckedComponents> {
    let key = pkcs1::RsaPublicKeyRef::from_der(der)
        .map_err(|_| Error::invalid_key("malformed PKCS#1 RSAPublicKey"))?;
    policy::check(
        key.modulus.as_bytes(),
        key.public_exponent.as_bytes(),
        KeyUse::Verify,
    )
}

/// Trims surrounding whitespace and turns literal `\n` sequences into line
/// breaks, in a buffer that is wiped on drop.
fn normalize_pem(pem: &str) -> Zeroizing<String> {
    let trimmed = pem.trim();
    if trimmed.contains("\\n") {
        Zeroizing::new(trimmed.replace("\\r\\n", "\n").replace("\\n", "\n"))
    } else {
        Zeroizing::new(trimmed.to_owned())
    }
}

/// Splits text into PEM blocks (`-----BEGIN X-----` … `-----END X-----`).
fn split_pem_blocks(text: &str) -> Result<Vec<&str>> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    let mut blocks = Vec::new();
    let mut rest = text;
    loop {
        let Some(start) = rest.find(BEGIN) else {
            if rest.trim().is_empty() {
                return Ok(blocks);
            }
            return Err(Error::invalid_key("text outside PEM blocks"));
        };
        if !rest[..start].trim().is_empty() {
            return Err(Error::invalid_key("text outside PEM blocks"));
        }
        let block = &rest[start..];
        let end_line = block
            .find(END)
            .ok_or_else(|| Error::invalid_key("PEM block without an END line"))?;
        let close = block[end_line + END.len()..]
            .find("-----")
            .ok_or_else(|| Error::invalid_key("PEM block without an END line"))?;
        let block_len = end_line + END.len() + close + "-----".len();
        blocks.push(&block[..block_len]);
        rest = &block[block_len..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_blocks_and_refuses_stray_text() {
        let two = "-----BEGIN A-----\nQQ==\n-----END A-----\n\n-----BEGIN B-----\nQg==\n-----END B-----\n";
        assert_eq!(split_pem_blocks(two).unwrap().len(), 2);
        assert_eq!(split_pem_blocks("  \n").unwrap().len(), 0);
        for bad in [
            "junk\n-----BEGIN A-----\nQQ==\n-----END A-----",
            "-----BEGIN A-----\nQQ==\n-----END A-----\njunk",
            "-----BEGIN A-----\nQQ==\n",
        ] {
            assert_eq!(split_pem_blocks(bad).unwrap_err().code(), "invalid_key");
        }
    }

    #[test]
    fn normalizes_escaped_newlines() {
        assert_eq!(normalize_pem(" a\\nb\\r\\nc ").as_str(), "a\nb\nc");
        assert_eq!(normalize_pem("a\nb").as_str(), "a\nb");
    }
}
