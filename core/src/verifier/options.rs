//! A verifier from a preset name and JSON options: the one constructor every
//! binding delegates to, so that no binding decides a preset's parameters.
//!
//! `{"audience": "…" | ["…"], "project_id": "…", "email": "…", "issuer": "…",
//! "keys_url": "…"}`; which members a preset needs is in
//! [`TokenVerifier::from_options`]. Unknown members are refused.

use super::TokenVerifier;
use crate::error::{Error, Result};
use crate::url::Endpoint;
use serde::Deserialize;

/// One audience or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audiences {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Options {
    audience: Option<Audiences>,
    project_id: Option<String>,
    email: Option<String>,
    issuer: Option<String>,
    keys_url: Option<String>,
}

fn required<'a>(value: &'a Option<String>, preset: &str, name: &str) -> Result<&'a str> {
    value
        .as_deref()
        .ok_or_else(|| Error::invalid_argument(format!("the {preset} verifier needs {name}")))
}

impl TokenVerifier {
    /// The verifier `preset` configured by `options_json` (an object; empty or
    /// `""` for none):
    ///
    /// | preset | needs | may have |
    /// |---|---|---|
    /// | `google_id_token` | `audience` | |
    /// | `firebase` | `project_id` | |
    /// | `service_account` | `email`, `audience` | |
    /// | `ibm_iam` | | `audience` |
    /// | `iap` | `audience` (one) | |
    /// | `oidc` | `issuer`, `audience` | |
    ///
    /// Every preset also takes `keys_url`, its keys at another address (the
    /// emulator); the issuer and every rule stay.
    pub fn from_options(preset: &str, options_json: &str) -> Result<Self> {
        let options: Options = if options_json.trim().is_empty() {
            Options::default()
        } else {
            serde_json::from_str(options_json).map_err(|err| {
                Error::invalid_argument(format!("verifier options: {}", serde_message(&err)))
            })?
        };
        let audiences: Vec<String> = match options.audience {
            None => Vec::new(),
            Some(Audiences::One(one)) => vec![one],
            Some(Audiences::Many(many)) => many,
        };
        let audiences: Vec<&str> = audiences.iter().map(String::as_str).collect();
        let unused = |name: &str, value: &Option<String>| match value {
            Some(_) => Err(Error::invalid_argument(format!(
                "the {preset} verifier takes no {name}"
            ))),
            None => Ok(()),
        };
        let verifier = match preset {
            "google_id_token" => TokenVerifier::google_id_token(&audiences),
            "firebase" => {
                if !audiences.is_empty() {
                    return Err(Error::invalid_argument(
                        "the firebase verifier's audience is its project_id",
                    ));
                }
                TokenVerifier::firebase(required(&options.project_id, preset, "project_id")?)
            }
            "service_account" => TokenVerifier::service_account(
                required(&options.email, preset, "email")?,
                &audiences,
            ),
            "ibm_iam" => TokenVerifier::ibm_iam(&audiences),
            "iap" => match audiences[..] {
                [audience] => TokenVerifier::iap(audience),
                _ => Err(Error::invalid_argument(
                    "the iap verifier needs exactly one audience",
                )),
            },
            "oidc" => TokenVerifier::oidc(required(&options.issuer, preset, "issuer")?, &audiences),
            other => Err(Error::invalid_argument(format!(
                "unknown verifier preset {}; expected google_id_token, firebase, service_account, ibm_iam, iap or oidc",
                crate::error::quoted(other)
            ))),
        }?;
        for (name, value) in [
            ("project_id", &options.project_id),
            ("email", &options.email),
            ("issuer", &options.issuer),
        ] {
            let takes = matches!(
                (preset, name),
                ("firebase", "project_id") | ("service_account", "email") | ("oidc", "issuer")
            );
            if !takes {
                unused(name, value)?;
            }
        }
        Ok(match options.keys_url {
            Some(keys_url) => verifier.with_keys_url(Endpoint::new(&keys_url)?),
            None => verifier,
        })
    }
}

/// serde's message without the input it quotes.
fn serde_message(err: &serde_json::Error) -> String {
    match err.classify() {
        serde_json::error::Category::Data => {
            let text = err.to_string();
            text.split(" at line ")
                .next()
                .unwrap_or("bad value")
                .to_owned()
        }
        _ => "not a JSON object".to_owned(),
    }
}
