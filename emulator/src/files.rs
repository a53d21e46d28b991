//! Credential files pointing at this emulator, as gcloud writes them for the
//! real services: `authorized_user.json`, `impersonated_service_account.json`
//! and `external_account_authorized_user.json` (what `--keys-dir` adds to the
//! service-account key files).

use crate::users::User;
use crate::world::World;
use credmint::SecretString;
use serde_json::{Value, json};

/// Every credential file for `world` served at `base_url`, by file name.
///
/// The first authorized user and the first workforce user get the plain
/// names; later ones `-1`, `-2`, … before `.json`. The impersonation file is
/// written when some account lets a user (preferred, as gcloud's
/// `--impersonate-service-account`) or a service account act as it.
pub fn credential_files(world: &World, base_url: &str) -> Vec<(String, SecretString)> {
    let mut files = Vec::new();
    for (index, user) in world.users.iter().enumerate() {
        files.push((
            numbered("authorized_user", index),
            document(&authorized_user(user, base_url)),
        ));
    }
    if let Some(file) = impersonated(world, base_url) {
        files.push((
            "impersonated_service_account.json".to_owned(),
            document(&file),
        ));
    }
    for (index, user) in world.workforce_users.iter().enumerate() {
        let file = json!({
            "type": "external_account_authorized_user",
            "audience": user.audience,
            "client_id": user.client_id,
            "client_secret": user.client_secret.expose_secret(),
            "refresh_token": user.refresh_token.expose_secret(),
            "token_url": format!("{base_url}/v1/oauthtoken"),
            "token_info_url": format!("{base_url}/v1/introspect"),
            "universe_domain": "googleapis.com",
        });
        files.push((
            numbered("external_account_authorized_user", index),
            document(&file),
        ));
    }
    files
}

fn numbered(stem: &str, index: usize) -> String {
    if index == 0 {
        format!("{stem}.json")
    } else {
        format!("{stem}-{index}.json")
    }
}

fn document(value: &Value) -> SecretString {
    SecretString::from(serde_json::to_string_pretty(value).unwrap_or_default())
}

/// `authorized_user`, as `gcloud auth application-default login` writes it,
/// with `token_uri` naming this emulator.
fn authorized_user(user: &User, base_url: &str) -> Value {
    let mut file = json!({
        "type": "authorized_user",
        "client_id": user.client_id,
        "client_secret": user.client_secret.expose_secret(),
        "refresh_token": user.refresh_token.expose_secret(),
        "token_uri": format!("{base_url}/token"),
        "universe_domain": "googleapis.com",
    });
    if let Some(project) = &user.quota_project_id {
        file["quota_project_id"] = project.as_str().into();
    }
    file
}

/// `impersonated_service_account` for the first (source, target) pair the
/// token-creator relation allows: a user if any may, else a service account.
fn impersonated(world: &World, base_url: &str) -> Option<Value> {
    let from_user = world.users.iter().find_map(|user| {
        let member = user.member();
        let target = world
            .accounts
            .iter()
            .find(|a| a.token_creators.contains(&member))?;
        Some((authorized_user(user, base_url), target))
    });
    let from_account = || {
        world.accounts.iter().find_map(|source| {
            let member = source.member();
            let target = world
                .accounts
                .iter()
                .find(|a| a.email != source.email && a.token_creators.contains(&member))?;
            let mut key: Value = serde_json::from_str(source.key_file.expose_secret()).ok()?;
            key["token_uri"] = format!("{base_url}/token").into();
            Some((key, target))
        })
    };
    let (source, target) = from_user.or_else(from_account)?;
    Some(json!({
        "type": "impersonated_service_account",
        "service_account_impersonation_url": format!(
            "{base_url}/v1/projects/-/serviceAccounts/{}:generateAccessToken",
            target.email
        ),
        "source_credentials": source,
        "delegates": [],
    }))
}
