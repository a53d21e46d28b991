//! The shared-cache protocol against an in-memory store with expiring keys:
//! one refresh per window across many callers, a dead lease holder, a store
//! that fails, and stores holding garbage or other credentials' entries.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{
    AccessToken, AnyToken, CacheSecret, Credentials, SecretString, SharedCache, SharedCacheOptions,
    SharedOutcome, SharedStep, TokenLifetime, TokenOrigin, TokenPurpose, UnixTime,
};
use std::collections::HashMap;

/// Keys with expiry in milliseconds of a simulated clock.
#[derive(Default)]
struct Store {
    values: HashMap<String, (String, u64)>,
    down: bool,
}

impl Store {
    fn live(&mut self, key: &str, now_ms: u64) -> Option<String> {
        match self.values.get(key) {
            Some((value, until)) if *until > now_ms => Some(value.clone()),
            _ => None,
        }
    }
}

fn creds(apikey: &str) -> Credentials {
    Credentials::from_json(&format!(r#"{{"type":"ibm_api_key","apikey":"{apikey}"}}"#)).unwrap()
}

fn secret() -> CacheSecret {
    CacheSecret::from_bytes(&[5u8; 32]).unwrap()
}

fn cache(creds: &Credentials, options: SharedCacheOptions) -> SharedCache {
    SharedCache::new(&secret(), creds, &TokenPurpose::AccessToken, options).unwrap()
}

fn token(name: &str, obtained: i64, lifetime: i64) -> AnyToken {
    let lifetime = TokenLifetime::new(
        UnixTime::from_secs(obtained),
        UnixTime::from_secs(obtained + lifetime),
    )
    .unwrap();
    AnyToken::Access(AccessToken::new(SecretString::from(name.to_owned()), lifetime).unwrap())
}

fn name(token: &AnyToken) -> String {
    match token {
        AnyToken::Access(t) => t.token().expose_secret().to_owned(),
        AnyToken::Id(t) => t.token().expose_secret().to_owned(),
    }
}

/// Drives one refresh to its end; `mint` is called for each `Refresh` step.
fn drive(
    cache: &SharedCache,
    store: &mut Store,
    now_ms: &mut u64,
    current: Option<AnyToken>,
    mint: &mut dyn FnMut(i64) -> Option<AnyToken>,
) -> SharedOutcome {
    let now = |ms: u64| UnixTime::from_secs((ms / 1000) as i64);
    let mut refresh = cache.refresh(now(*now_ms), current);
    for _ in 0..10_000 {
        match refresh.poll(now(*now_ms)).unwrap() {
            SharedStep::Get { key, .. } if store.down => {
                let _ = key;
                refresh.feed_store_error().unwrap()
            }
            SharedStep::Get { key, .. } => {
                let value = store.live(&key, *now_ms);
                refresh.feed_value(value.as_deref()).unwrap()
            }
            SharedStep::SetIfAbsent { .. }
            | SharedStep::Set { .. }
            | SharedStep::DeleteIfEquals { .. }
                if store.down =>
            {
                refresh.feed_store_error().unwrap()
            }
            SharedStep::SetIfAbsent {
                key,
                value,
                ttl_millis,
                ..
            } => {
                let stored = store.live(&key, *now_ms).is_none();
                if stored {
                    store.values.insert(key, (value, *now_ms + ttl_millis));
                }
                refresh.feed_set(stored).unwrap()
            }
            SharedStep::Set {
                key,
                value,
                ttl_millis,
                ..
            } => {
                store.values.insert(key, (value, *now_ms + ttl_millis));
                refresh.feed_ok().unwrap()
            }
            SharedStep::DeleteIfEquals { key, value, .. } => {
                if store.live(&key, *now_ms).as_deref() == Some(value.as_str()) {
                    store.values.remove(&key);
                }
                refresh.feed_ok().unwrap()
            }
            SharedStep::Refresh => match mint((*now_ms / 1000) as i64) {
                Some(token) => refresh.feed_token(token).unwrap(),
                None => refresh.feed_refresh_failed().unwrap(),
            },
            SharedStep::Wait { millis } => *now_ms += millis,
            SharedStep::Done(outcome) => return outcome,
        }
    }
    panic!("the refresh did not end");
}

fn expect_token(outcome: &SharedOutcome) -> (String, TokenOrigin, i64) {
    match outcome {
        SharedOutcome::Token { entry, source } => {
            (name(&entry.token), *source, entry.refresh_at.as_secs())
        }
        SharedOutcome::RefreshFailed => panic!("refresh failed"),
    }
}

#[test]
fn the_first_caller_refreshes_and_the_rest_read() {
    let creds = creds("key-a");
    let cache = cache(&creds, SharedCacheOptions::default());
    let mut store = Store::default();
    let mut now_ms = 1_700_000_000_000;
    let mut minted = 0;
    let mut mint = |at: i64| {
        minted += 1;
        Some(token(&format!("t{minted}"), at, 3600))
    };
    let first = drive(&cache, &mut store, &mut now_ms, None, &mut mint);
    assert_eq!(
        expect_token(&first),
        ("t1".into(), TokenOrigin::Refreshed, 1_700_002_880)
    );
    assert!(
        store.values.keys().all(|k| !k.ends_with(":lease")),
        "the lease is released"
    );
    let stored = store.values.values().next().unwrap().0.clone();
    // Sealed: the prefix, then base64url only. (Not "does not contain t1": random
    // ciphertext spells any two characters now and then.)
    let sealed = stored.strip_prefix("cm1.").unwrap_or_default();
    assert!(
        !sealed.is_empty()
            && sealed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "sealed"
    );
    for _ in 0..5 {
        let again = drive(&cache, &mut store, &mut now_ms, None, &mut mint);
        assert_eq!(expect_token(&again).1, TokenOrigin::Store);
    }
    now_ms = 1_700_002_880_000; // due (IBM: 80 % of the lifetime)
    let due = drive(
        &cache,
        &mut store,
        &mut now_ms,
        Some(token("t1", 1_700_000_000, 3600)),
        &mut mint,
    );
    assert_eq!(expect_token(&due).0, "t2");
    assert_eq!(minted, 2, "one refresh per window");
}

#[test]
fn a_lease_taken_just_after_another_holder_wrote_refreshes_nothing() {
    let creds = creds("key-l");
    let cache = cache(&creds, SharedCacheOptions::default());
    let now = UnixTime::from_secs(1_700_000_000);
    // The other holder's entry, written after our first read missed.
    let mut other = Store::default();
    let mut t = 1_700_000_000_000;
    let _ = drive(&cache, &mut other, &mut t, None, &mut |at| {
        Some(token("theirs", at, 3600))
    });
    let written = other.live(cache.key().entry(), t).unwrap();
    let mut refresh = cache.refresh(now, None);
    assert!(matches!(refresh.poll(now).unwrap(), SharedStep::Get { .. }));
    refresh.feed_value(None).unwrap();
    assert!(matches!(
        refresh.poll(now).unwrap(),
        SharedStep::SetIfAbsent { .. }
    ));
    refresh.feed_set(true).unwrap();
    assert!(matches!(refresh.poll(now).unwrap(), SharedStep::Get { .. }));
    refresh.feed_value(Some(&written)).unwrap();
    assert!(
        matches!(
            refresh.poll(now).unwrap(),
            SharedStep::DeleteIfEquals { .. }
        ),
        "the lease is given back"
    );
    refresh.feed_ok().unwrap();
    let SharedStep::Done(outcome) = refresh.poll(now).unwrap() else {
        panic!("not done")
    };
    assert_eq!(expect_token(&outcome).1, TokenOrigin::Store);
}

#[test]
fn a_caller_with_a_valid_token_does_not_wait_for_the_lease_holder() {
    let creds = creds("key-b");
    let cache = cache(&creds, SharedCacheOptions::default());
    let mut store = Store::default();
    let mut now_ms = 1_700_000_000_000;
    let _ = drive(&cache, &mut store, &mut now_ms, None, &mut |at| {
        Some(token("old", at, 3600))
    });
    now_ms = 1_700_002_900_000;
    // Another process took the lease and is refreshing.
    let lease = cache.key().lease().to_owned();
    store
        .values
        .insert(lease, ("other".into(), now_ms + 30_000));
    let outcome = drive(&cache, &mut store, &mut now_ms, None, &mut |_| {
        panic!("no refresh")
    });
    let (token, origin, refresh_at) = expect_token(&outcome);
    assert_eq!((token.as_str(), origin), ("old", TokenOrigin::StillValid));
    assert_eq!(refresh_at, 1_700_002_901, "looks again a second later");
}

#[test]
fn callers_with_nothing_wait_for_the_holder_and_read_its_token() {
    let creds = creds("key-c");
    let cache = cache(&creds, SharedCacheOptions::default());
    let mut store = Store::default();
    let mut now_ms = 1_700_000_000_000;
    let lease = cache.key().lease().to_owned();
    store
        .values
        .insert(lease, ("other".into(), now_ms + 30_000));
    // The holder writes its token 450 ms later: simulate by a store that
    // receives it when the waiting caller has slept that long.
    let sealed = {
        let mut other = Store::default();
        let mut t = now_ms;
        let _ = drive(&cache, &mut other, &mut t, None, &mut |at| {
            Some(token("theirs", at, 3600))
        });
        other.live(cache.key().entry(), t).unwrap()
    };
    let entry_key = cache.key().entry().to_owned();
    let mut refresh = cache.refresh(UnixTime::from_secs(1_700_000_000), None);
    let mut waits = 0;
    let outcome = loop {
        match refresh
            .poll(UnixTime::from_secs((now_ms / 1000) as i64))
            .unwrap()
        {
            SharedStep::Get { .. } => {
                let value = if waits >= 5 {
                    Some(sealed.as_str())
                } else {
                    None
                };
                refresh.feed_value(value).unwrap()
            }
            SharedStep::SetIfAbsent { .. } => refresh.feed_set(false).unwrap(),
            SharedStep::Wait { millis } => {
                waits += 1;
                now_ms += millis;
            }
            SharedStep::Done(outcome) => break outcome,
            other => panic!("unexpected {other:?}"),
        }
    };
    let _ = entry_key;
    assert_eq!(waits, 5);
    assert_eq!(expect_token(&outcome).1, TokenOrigin::Store);
}

#[test]
fn a_dead_holders_lease_lapses_and_a_stuck_one_is_bounded() {
    let creds = creds("key-d");
    let options = SharedCacheOptions {
        lease_millis: 3_000,
        max_wait_millis: 3_000,
        ..SharedCacheOptions::default()
    };
    let cache = cache(&creds, options);
    let mut store = Store::default();
    let mut now_ms = 1_700_000_000_000;
    let lease = cache.key().lease().to_owned();
    // A holder that died a second ago: its lease lapses 2 s from now.
    store
        .values
        .insert(lease.clone(), ("dead".into(), now_ms + 2_000));
    let start = now_ms;
    let outcome = drive(&cache, &mut store, &mut now_ms, None, &mut |at| {
        Some(token("mine", at, 3600))
    });
    assert_eq!(expect_token(&outcome).0, "mine");
    assert!(
        (2_000..=2_200).contains(&(now_ms - start)),
        "waited {} ms",
        now_ms - start
    );

    // A lease that never expires (a store that ignores PX, a skewed clock):
    // the caller waits max_wait_millis at most, then refreshes without it.
    let creds = self::creds("key-e");
    let cache = self::cache(&creds, options_short());
    let lease = cache.key().lease().to_owned();
    store.values.insert(lease, ("forever".into(), u64::MAX));
    let start = now_ms;
    let outcome = drive(&cache, &mut store, &mut now_ms, None, &mut |at| {
        Some(token("anyway", at, 3600))
    });
    assert_eq!(expect_token(&outcome).0, "anyway");
    assert_eq!(now_ms - start, 3_000);
}

fn options_short() -> SharedCacheOptions {
    SharedCacheOptions {
        lease_millis: 3_000,
        max_wait_millis: 3_000,
        ..SharedCacheOptions::default()
    }
}

#[test]
fn a_store_that_is_down_leaves_the_refresh_in_process() {
    let creds = creds("key-f");
    let cache = cache(&creds, SharedCacheOptions::default());
    let mut store = Store {
        down: true,
        ..Store::default()
    };
    let mut now_ms = 1_700_000_000_000;
    let outcome = drive(&cache, &mut store, &mut now_ms, None, &mut |at| {
        Some(token("local", at, 3600))
    });
    assert_eq!(
        expect_token(&outcome),
        ("local".into(), TokenOrigin::Refreshed, 1_700_002_880)
    );
    store.down = false;
    let outcome = drive(&cache, &mut store, &mut now_ms, None, &mut |at| {
        Some(token("back", at, 3600))
    });
    assert_eq!(
        expect_token(&outcome).0,
        "back",
        "the store is used again once it answers"
    );
    assert!(store.live(cache.key().entry(), now_ms).is_some());
}

#[test]
fn a_failed_refresh_releases_the_lease() {
    let creds = creds("key-g");
    let cache = cache(&creds, SharedCacheOptions::default());
    let mut store = Store::default();
    let mut now_ms = 1_700_000_000_000;
    let outcome = drive(&cache, &mut store, &mut now_ms, None, &mut |_| None);
    assert_eq!(outcome, SharedOutcome::RefreshFailed);
    assert!(store.values.is_empty(), "no lease left behind");
}

#[test]
fn garbage_other_keys_and_other_secrets_are_misses() {
    let a = creds("key-h");
    let b = creds("key-i");
    let cache_a = cache(&a, SharedCacheOptions::default());
    let cache_b = cache(&b, SharedCacheOptions::default());
    assert_ne!(cache_a.key(), cache_b.key());
    let mut store = Store::default();
    let mut now_ms = 1_700_000_000_000;
    let _ = drive(&cache_a, &mut store, &mut now_ms, None, &mut |at| {
        Some(token("for-a", at, 3600))
    });
    let sealed_a = store.live(cache_a.key().entry(), now_ms).unwrap();
    let now = UnixTime::from_secs(1_700_000_000);
    assert!(cache_a.open(&sealed_a, now).is_some());
    assert!(
        cache_b.open(&sealed_a, now).is_none(),
        "another credential's entry"
    );
    let other_secret = CacheSecret::from_bytes(&[6u8; 32]).unwrap();
    let cache_other = SharedCache::new(
        &other_secret,
        &a,
        &TokenPurpose::AccessToken,
        SharedCacheOptions::default(),
    )
    .unwrap();
    assert_ne!(
        cache_other.key(),
        cache_a.key(),
        "names depend on the secret"
    );
    for garbage in [
        "",
        "garbage",
        "cm1.",
        "cm1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "\u{0}\u{1}",
    ] {
        assert!(cache_a.open(garbage, now).is_none());
    }
    // A copy of a's entry under b's key is a miss for b: b refreshes its own.
    store
        .values
        .insert(cache_b.key().entry().to_owned(), (sealed_a, u64::MAX));
    let outcome = drive(&cache_b, &mut store, &mut now_ms, None, &mut |at| {
        Some(token("for-b", at, 3600))
    });
    assert_eq!(expect_token(&outcome).0, "for-b");
    // An expired entry is never handed out.
    let later = UnixTime::from_secs(1_700_003_600);
    let sealed_b = store.live(cache_b.key().entry(), now_ms).unwrap();
    assert!(cache_b.open(&sealed_b, later).is_none());
    // An ID-token cache does not read access-token entries.
    let id_cache = SharedCache::new(
        &secret(),
        &b,
        &TokenPurpose::IdToken {
            audience: "https://aud".into(),
        },
        SharedCacheOptions::default(),
    )
    .unwrap();
    assert_ne!(id_cache.key(), cache_b.key());
}

#[test]
fn entry_names_follow_what_makes_tokens_interchangeable() {
    let doc = |scopes: &str, email: &str| {
        format!(
            r#"{{"type":"service_account","client_email":"{email}","private_key_id":"k1","private_key":{pem:?},"token_uri":"https://oauth2.googleapis.com/token"{scopes}}}"#,
            pem = include_str!("../../tests/vectors/keys/google_privatekey.pem"),
        )
    };
    let name = |text: &str, scopes: Option<Vec<String>>| {
        let options = credmint::CredentialOptions {
            scopes,
            ..Default::default()
        };
        let creds = Credentials::from_json_with(text, &options).unwrap();
        cache(&creds, SharedCacheOptions::default())
            .key()
            .entry()
            .to_owned()
    };
    let base = name(&doc("", "a@p.iam.gserviceaccount.com"), None);
    assert_eq!(
        base,
        name(&doc("", "a@p.iam.gserviceaccount.com"), None),
        "stable"
    );
    assert_ne!(
        base,
        name(&doc("", "b@p.iam.gserviceaccount.com"), None),
        "principal"
    );
    assert_ne!(
        base,
        name(
            &doc("", "a@p.iam.gserviceaccount.com"),
            Some(vec![
                "https://www.googleapis.com/auth/devstorage.read_only".into()
            ])
        ),
        "scopes"
    );
    let prefixed = SharedCache::new(
        &secret(),
        &creds("key-j"),
        &TokenPurpose::AccessToken,
        SharedCacheOptions {
            key_prefix: Some("app1:".into()),
            ..SharedCacheOptions::default()
        },
    )
    .unwrap();
    assert!(prefixed.key().entry().starts_with("app1:v1:"));
    assert_eq!(
        SharedCacheOptions {
            key_prefix: Some("has space".into()),
            ..SharedCacheOptions::default()
        }
        .checked()
        .map(|_| ())
        .and_then(|_| SharedCache::new(
            &secret(),
            &creds("k"),
            &TokenPurpose::AccessToken,
            SharedCacheOptions {
                key_prefix: Some("has space".into()),
                ..SharedCacheOptions::default()
            }
        )
        .map(|_| ()))
        .unwrap_err()
        .code(),
        "invalid_argument"
    );
}

#[test]
fn options_are_bounded_and_read_from_json() {
    let options = SharedCacheOptions::from_json(r#"{"lease_millis": 5000}"#).unwrap();
    assert_eq!(
        (options.lease_millis, options.max_wait_millis),
        (5000, 5000)
    );
    for bad in [
        r#"{"lease_millis": 10}"#,
        r#"{"poll_millis": 0}"#,
        r#"{"unknown": 1}"#,
        "[]",
    ] {
        assert_eq!(
            SharedCacheOptions::from_json(bad).unwrap_err().code(),
            "invalid_argument",
            "{bad}"
        );
    }
}

#[test]
fn steps_must_be_answered_in_order() {
    let creds = creds("key-k");
    let cache = cache(&creds, SharedCacheOptions::default());
    let now = UnixTime::from_secs(1_700_000_000);
    let mut refresh = cache.refresh(now, None);
    assert!(refresh.feed_value(None).is_err(), "nothing asked yet");
    assert!(matches!(refresh.poll(now).unwrap(), SharedStep::Get { .. }));
    assert!(refresh.poll(now).is_err(), "the read is unanswered");
    assert!(
        refresh.feed_set(true).is_err(),
        "a read is not answered with a lease"
    );
    refresh.feed_value(None).unwrap();
    assert!(matches!(
        refresh.poll(now).unwrap(),
        SharedStep::SetIfAbsent { .. }
    ));
    refresh.feed_set(true).unwrap();
    assert!(
        matches!(refresh.poll(now).unwrap(), SharedStep::Get { .. }),
        "read again under the lease"
    );
    refresh.feed_value(None).unwrap();
    assert_eq!(refresh.poll(now).unwrap(), SharedStep::Refresh);
    let id = credmint::IdToken::from_jwt(
        SecretString::from("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDM2MDB9.c2ln".to_owned()),
        now,
    );
    if let Ok(id) = id {
        assert!(
            refresh.feed_token(AnyToken::Id(id)).is_err(),
            "wrong kind of token"
        );
    }
}
