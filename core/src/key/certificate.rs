//! Self-signed X.509 certificates for a signing key: the form Google publishes
//! service-account and OIDC keys in (`…/metadata/x509/{email}`, `oauth2/v1/certs`).
//!
//! Only what such endpoints need: version 3, a random serial, `CN=<name>` as
//! subject and issuer, a validity window, the RSA public key, no extensions,
//! signed `sha256WithRSAEncryption` with the key itself.

use super::signing::SigningKey;
use crate::error::{Error, Result};
use crate::time::UnixTime;
use der::asn1::{BitString, ObjectIdentifier, Uint, UintRef};
use der::{Any, DateTime, Encode, EncodePem, Sequence, pem::LineEnding};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use std::str::FromStr;
use x509_cert::name::Name;
use x509_cert::time::{Time, Validity};

/// sha256WithRSAEncryption (RFC 4055).
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// `TBSCertificate` (RFC 5280 §4.1), version 3, no unique ids or extensions.
#[derive(Sequence)]
struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial_number: Uint,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
}

/// `Certificate` (RFC 5280 §4.1).
#[derive(Sequence)]
struct Certificate {
    tbs_certificate: TbsCertificate,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

impl der::pem::PemLabel for Certificate {
    const PEM_LABEL: &'static str = "CERTIFICATE";
}

fn der_error(_: der::Error) -> Error {
    Error::invalid_argument("the certificate could not be encoded")
}

fn time(at: UnixTime) -> Result<Time> {
    let secs = u64::try_from(at.as_secs())
        .map_err(|_| Error::invalid_argument("certificate validity starts before 1970"))?;
    let datetime = DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|_| Error::invalid_argument("certificate validity is out of range"))?;
    Ok(Time::from(datetime))
}

fn rsa_algorithm(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: Some(Any::null()),
    }
}

fn subject_public_key_info(key: &SigningKey) -> Result<SubjectPublicKeyInfoOwned> {
    let public = key.public_key();
    let pkcs1 = pkcs1::RsaPublicKey {
        modulus: UintRef::new(public.modulus()).map_err(der_error)?,
        public_exponent: UintRef::new(public.exponent()).map_err(der_error)?,
    }
    .to_der()
    .map_err(der_error)?;
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: rsa_algorithm(pkcs1::ALGORITHM_OID),
        subject_public_key: BitString::from_bytes(&pkcs1).map_err(der_error)?,
    })
}

impl SigningKey {
    /// A self-signed X.509 certificate (PEM) for this key with subject
    /// `CN=common_name`, valid from `not_before` to `not_after`; `serial` must be
    /// 1–20 bytes (a random one is usual). Google publishes keys in this form.
    pub fn self_signed_certificate(
        &self,
        common_name: &str,
        serial: &[u8],
        not_before: UnixTime,
        not_after: UnixTime,
    ) -> Result<String> {
        if serial.is_empty() || serial.len() > 20 {
            return Err(Error::invalid_argument(
                "a certificate serial number is 1 to 20 bytes",
            ));
        }
        if not_after <= not_before {
            return Err(Error::invalid_argument(
                "certificate validity must end after it starts",
            ));
        }
        if common_name.is_empty()
            || common_name
                .chars()
                .any(|c| c.is_control() || ",+=\\\"<>;#".contains(c))
        {
            return Err(Error::invalid_argument(
                "a certificate common name must be plain text",
            ));
        }
        let name = Name::from_str(&format!("CN={common_name}")).map_err(der_error)?;
        // A positive INTEGER: clear the top bit, never all zero.
        let mut serial = serial.to_vec();
        serial[0] &= 0x7f;
        serial[0] |= 0x01;
        let tbs = TbsCertificate {
            version: 2,
            serial_number: Uint::new(&serial).map_err(der_error)?,
            signature: rsa_algorithm(SHA256_WITH_RSA),
            issuer: name.clone(),
            validity: Validity::new(time(not_before)?, time(not_after)?),
            subject: name,
            subject_public_key_info: subject_public_key_info(self)?,
        };
        let signature = self.sign(&tbs.to_der().map_err(der_error)?)?;
        Certificate {
            tbs_certificate: tbs,
            signature_algorithm: rsa_algorithm(SHA256_WITH_RSA),
            signature: BitString::from_bytes(&signature).map_err(der_error)?,
        }
        .to_pem(LineEnding::LF)
        .map_err(der_error)
    }
}
