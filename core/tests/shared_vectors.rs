//! Runs `tests/vectors/shared.json`: cache keys, sealed entries (byte for
//! byte), the misses every reader must see, and the lease protocol.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{cases, text_of};
use credmint::{
    AccessToken, AnyToken, CacheSecret, CredentialOptions, Credentials, Expiring, SecretString,
    SharedCache, SharedCacheOptions, SharedEntry, SharedOutcome, SharedStep, TokenLifetime,
    TokenPurpose, UnixTime,
};
use serde_json::{Value, json};

fn s(value: &Value) -> &str {
    value.as_str().unwrap()
}

fn cache(case: &Value) -> SharedCache {
    let secret = CacheSecret::from_base64(s(&case["secret_b64"])).unwrap();
    let scopes = case.get("scopes").map(|v| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    });
    let creds = Credentials::from_json_with(
        &text_of(&case["document"]),
        &CredentialOptions {
            scopes,
            ..CredentialOptions::default()
        },
    )
    .unwrap();
    let mut options = match case.get("options") {
        Some(options) => SharedCacheOptions::from_json(&options.to_string()).unwrap(),
        None => SharedCacheOptions::default(),
    };
    options.key_prefix = case.get("key_prefix").map(|p| s(p).to_owned());
    let purpose = TokenPurpose::from_audience(case.get("audience").map(s));
    SharedCache::new(&secret, &creds, &purpose, options).unwrap()
}

fn token(spec: &Value) -> AnyToken {
    let obtained = spec["obtained_at"].as_i64().unwrap();
    let lifetime = TokenLifetime::new(
        UnixTime::from_secs(obtained),
        UnixTime::from_secs(obtained + spec["lifetime"].as_i64().unwrap()),
    )
    .unwrap();
    AnyToken::Access(
        AccessToken::new(SecretString::from(s(&spec["token"]).to_owned()), lifetime).unwrap(),
    )
}

fn shown(entry: &SharedEntry) -> Value {
    let AnyToken::Access(token) = &entry.token else {
        panic!("an access token")
    };
    let lifetime = entry.token.lifetime();
    json!({
        "token": token.token().expose_secret(),
        "obtained_at": lifetime.obtained_at().as_secs(),
        "expires_at": lifetime.expires_at().as_secs(),
        "refresh_at": entry.refresh_at.as_secs(),
    })
}

#[test]
fn cache_keys() {
    let cases: Vec<Value> = cases("shared.json")
        .into_iter()
        .filter(|c| c["op"] == "name")
        .collect();
    assert!(cases.len() >= 8);
    for case in cases {
        let cache = cache(&case);
        assert_eq!(
            cache.key().entry(),
            s(&case["entry_key"]),
            "{}",
            case["name"]
        );
        assert_eq!(
            cache.key().lease(),
            s(&case["lease_key"]),
            "{}",
            case["name"]
        );
    }
}

#[test]
fn sealed_entries_are_byte_identical() {
    for case in cases("shared.json")
        .into_iter()
        .filter(|c| c["op"] == "seal")
    {
        let secret = CacheSecret::from_base64(s(&case["secret_b64"])).unwrap();
        let nonce: Vec<u8> = (0..12)
            .map(|i| u8::from_str_radix(&s(&case["nonce_hex"])[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let e = &case["entry"];
        let lifetime = TokenLifetime::new(
            UnixTime::from_secs(e["obtained_at"].as_i64().unwrap()),
            UnixTime::from_secs(e["expires_at"].as_i64().unwrap()),
        )
        .unwrap();
        let key = s(&case["entry_key"]);
        let opened = secret.open(key, s(&case["sealed"])).unwrap();
        assert_eq!(
            std::str::from_utf8(&opened).unwrap(),
            s(&case["plaintext"]),
            "{}",
            case["name"]
        );
        // Written by credmint from the token: the same bytes as the oracle's.
        let sealed = secret
            .seal_with_nonce(
                key,
                nonce.clone().try_into().unwrap(),
                s(&case["plaintext"]).as_bytes(),
            )
            .unwrap();
        assert_eq!(sealed, s(&case["sealed"]), "{}", case["name"]);
        if e.get("refresh_token").is_none() {
            let token = AnyToken::Access(
                AccessToken::new(SecretString::from(s(&e["token"]).to_owned()), lifetime).unwrap(),
            );
            let entry = SharedEntry {
                token,
                refresh_at: UnixTime::from_secs(e["refresh_at"].as_i64().unwrap()),
            };
            let ours = entry
                .seal_with_nonce(&secret, key, nonce.try_into().unwrap())
                .unwrap();
            assert_eq!(
                ours,
                s(&case["sealed"]),
                "{}: the entry's own plaintext",
                case["name"]
            );
        }
    }
}

#[test]
fn readers_open_or_miss() {
    let cases: Vec<Value> = cases("shared.json")
        .into_iter()
        .filter(|c| c["op"] == "open")
        .collect();
    assert!(cases.len() >= 12);
    for case in cases {
        let cache = cache(&case);
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let got = cache
            .open(s(&case["value"]), now)
            .map(|entry| shown(&entry));
        assert_eq!(
            got.unwrap_or(Value::Null),
            case["expect"],
            "{}",
            case["name"]
        );
    }
}

#[test]
fn lease_protocol_scripts() {
    let cases: Vec<Value> = cases("shared.json")
        .into_iter()
        .filter(|c| c["op"] == "protocol")
        .collect();
    assert!(cases.len() >= 9);
    for case in cases {
        let name = s(&case["name"]);
        let cache = cache(&case);
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let mut refresh = cache.refresh(now, case.get("current").map(token));
        let mut holder = None;
        for (i, line) in case["script"].as_array().unwrap().iter().enumerate() {
            let at = format!("{name}, line {i}");
            if let Some(expect) = line.get("expect") {
                let step = refresh.poll(now).unwrap();
                let got = match step {
                    SharedStep::Get { key, .. } => json!({ "get": key }),
                    SharedStep::SetIfAbsent {
                        key,
                        value,
                        ttl_millis,
                        ..
                    } => {
                        holder = Some(value);
                        json!({ "set_if_absent": { "key": key, "ttl_millis": ttl_millis } })
                    }
                    SharedStep::Set {
                        key,
                        value,
                        ttl_millis,
                        ..
                    } => {
                        let entry = cache.open(&value, now).expect("the written entry opens");
                        json!({ "set": { "key": key, "ttl_millis": ttl_millis, "entry": shown(&entry) } })
                    }
                    SharedStep::DeleteIfEquals { key, value, .. } => {
                        assert_eq!(Some(value), holder.clone(), "{at}: releases its own lease");
                        json!({ "delete_if_equals": key })
                    }
                    SharedStep::Refresh => json!("refresh"),
                    SharedStep::Wait { millis } => json!({ "wait": millis }),
                    SharedStep::Done(SharedOutcome::Token { entry, source }) => {
                        let mut done = shown(&entry);
                        done.as_object_mut()
                            .unwrap()
                            .retain(|k, _| k == "token" || k == "refresh_at");
                        done["origin"] = json!(source.as_str());
                        json!({ "done": done })
                    }
                    SharedStep::Done(SharedOutcome::RefreshFailed) => json!("failed"),
                };
                assert_eq!(&got, expect, "{at}");
            } else {
                let feed = &line["feed"];
                match feed {
                    Value::String(kind) if kind == "ok" => refresh.feed_ok(),
                    Value::String(kind) if kind == "store_error" => refresh.feed_store_error(),
                    Value::String(kind) if kind == "refresh_failed" => {
                        refresh.feed_refresh_failed()
                    }
                    _ if feed.get("value").is_some() => refresh.feed_value(feed["value"].as_str()),
                    _ if feed.get("set").is_some() => {
                        refresh.feed_set(feed["set"].as_bool().unwrap())
                    }
                    _ if feed.get("token").is_some() => refresh.feed_token(token(&feed["token"])),
                    other => panic!("{at}: unknown feed {other}"),
                }
                .unwrap();
            }
        }
    }
}
