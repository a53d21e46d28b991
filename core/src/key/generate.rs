//! New service-account-shaped key files (feature `rsa`): for tests, emulators and demos.

use super::policy::SIGNING_KEY_BITS;
use super::service_account::{DEFAULT_TOKEN_URI, DEFAULT_UNIVERSE_DOMAIN, check_email};
use super::signing::SigningKey;
use crate::crypto::{Backend, generate_pkcs8_pem};
use crate::encoding::hex;
use crate::error::{Error, Result};
use crate::json::write_string;
use crate::secret::SecretString;
use zeroize::Zeroizing;

/// What to put in a generated key file.
#[derive(Clone, Debug)]
pub struct KeyFileOptions {
    /// The account's email (`client_email`).
    pub client_email: String,
    /// `project_id`; when `None` it is taken from an `…@PROJECT.iam.gserviceaccount.com` email.
    pub project_id: Option<String>,
    /// Modulus size: 2048 (the default, as Google issues), 3072 or 4096.
    pub bits: usize,
    /// `token_uri`; defaults to Google's token endpoint.
    pub token_uri: Option<String>,
}

impl KeyFileOptions {
    /// Options for a 2048-bit key for `client_email`, everything else defaulted.
    pub fn new(client_email: impl Into<String>) -> Self {
        KeyFileOptions {
            client_email: client_email.into(),
            project_id: None,
            bits: 2048,
            token_uri: None,
        }
    }
}

/// Generates a new RSA key and returns a service-account key file for it, in
/// the layout Google uses (PKCS#8 PEM, a 40-hex-digit `private_key_id` derived
/// from the public key, a 21-digit `client_id`).
///
/// The text holds a private key: it is returned as a [`SecretString`].
pub fn generate_service_account_key(options: &KeyFileOptions) -> Result<SecretString> {
    if !SIGNING_KEY_BITS.contains(&options.bits) {
        return Err(Error::invalid_argument(
            "key size must be 2048, 3072 or 4096 bits",
        ));
    }
    let email = check_email(options.client_email.clone())
        .map_err(|_| Error::invalid_argument("client_email is not an email address"))?;
    let project_id = options
        .project_id
        .clone()
        .or_else(|| project_from_email(&email));
    let pem = generate_pkcs8_pem(options.bits)?;
    let key_id = key_id_for(&pem)?;
    let client_id = random_client_id()?;
    let token_uri = options.token_uri.as_deref().unwrap_or(DEFAULT_TOKEN_URI);

    let mut fields: Vec<(&str, &str)> = vec![("type", "service_account")];
    if let Some(project_id) = project_id.as_deref() {
        fields.push(("project_id", project_id));
    }
    let cert_url = format!(
        "https://www.googleapis.com/robot/v1/metadata/x509/{}",
        email.replace('@', "%40")
    );
    fields.extend([
        ("private_key_id", key_id.as_str()),
        ("private_key", pem.as_str()),
        ("client_email", email.as_str()),
        ("client_id", client_id.as_str()),
        ("auth_uri", "https://accounts.google.com/o/oauth2/auth"),
        ("token_uri", token_uri),
        (
            "auth_provider_x509_cert_url",
            "https://www.googleapis.com/oauth2/v1/certs",
        ),
        ("client_x509_cert_url", cert_url.as_str()),
        ("universe_domain", DEFAULT_UNIVERSE_DOMAIN),
    ]);
    // Sized up front so the buffer holding the key is never reallocated.
    let capacity = fields.iter().map(|(k, v)| k.len() + v.len() * 2 + 16).sum();
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    out.push_str("{\n");
    for (i, (name, value)) in fields.iter().enumerate() {
        out.push_str("  ");
        write_string(name, &mut out);
        out.push_str(": ");
        write_string(value, &mut out);
        out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
    }
    out.push_str("}\n");
    Ok(SecretString::from(std::mem::take(&mut *out)))
}

/// The first 20 bytes of the public key's RFC 7638 thumbprint, as 40 hex digits.
fn key_id_for(pem: &str) -> Result<String> {
    let key = SigningKey::from_pem_with_backend(pem, "pending", Backend::RustCrypto)?;
    let digest = key.public_key().thumbprint_sha256();
    Ok(hex(&digest[..20]))
}

fn project_from_email(email: &str) -> Option<String> {
    let (_, domain) = email.split_once('@')?;
    let project = domain.strip_suffix(".iam.gserviceaccount.com")?;
    (!project.is_empty() && !project.contains('.')).then(|| project.to_owned())
}

/// 21 random decimal digits, not starting with 0, like Google's numeric account ids.
fn random_client_id() -> Result<String> {
    let mut bytes = [0u8; 21];
    getrandom::fill(&mut bytes).map_err(|_| Error::SigningFailed {
        reason: "no system randomness".into(),
    })?;
    Ok(bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let digit = if i == 0 { 1 + b % 9 } else { b % 10 };
            char::from(b'0' + digit)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_is_taken_from_service_account_emails() {
        assert_eq!(
            project_from_email("a@my-proj.iam.gserviceaccount.com").as_deref(),
            Some("my-proj")
        );
        assert_eq!(project_from_email("a@example.com"), None);
    }

    #[test]
    fn client_ids_are_21_digits() {
        let id = random_client_id().unwrap();
        assert_eq!(id.len(), 21);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(id.as_bytes()[0], b'0');
    }

    #[test]
    fn rejects_bad_options() {
        let mut options = KeyFileOptions::new("a@b.c");
        options.bits = 1024;
        assert_eq!(
            generate_service_account_key(&options).unwrap_err().code(),
            "invalid_argument"
        );
        let options = KeyFileOptions::new("not-an-email");
        assert_eq!(
            generate_service_account_key(&options).unwrap_err().code(),
            "invalid_argument"
        );
    }
}
