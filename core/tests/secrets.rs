//! No private key, token or signature text may appear when any credmint type or
//! error is formatted with `{:?}` or `{}`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{
    Backend, Claims, ClaimsTemplate, Error, JwtBearerAssertion, KeySet, SecretString,
    ServiceAccountKey, SigningKey, UnixTime, Validation,
};
mod common;
use common::fixture;

/// Pieces of secret text that must never be printed: every base64 line of the
/// private key PEM (the first line of a PKCS#8 key is a public DER prefix, the
/// rest is key material), and 12-character windows of each token segment.
fn secret_pieces(pem: &str, tokens: &[&str]) -> Vec<String> {
    let mut pieces: Vec<String> = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .skip(1)
        .map(|line| line[8..line.len().min(40)].to_owned())
        .collect();
    for token in tokens {
        for segment in token.split('.') {
            let chars: Vec<char> = segment.chars().collect();
            pieces.extend(
                chars
                    .chunks(12)
                    .filter(|c| c.len() == 12)
                    .map(|c| c.iter().collect()),
            );
        }
    }
    pieces
}

fn assert_clean(what: &str, text: &str, pieces: &[String]) {
    for piece in pieces {
        assert!(
            !text.contains(piece.as_str()),
            "{what} leaks {piece:?}: {text}"
        );
    }
}

fn both<T: std::fmt::Debug>(value: &T) -> String {
    format!("{value:?}")
}

#[test]
fn keys_tokens_and_signatures_are_redacted() {
    let json = fixture("sa_2048_pkcs8.json");
    let pem = fixture("rsa_2048_pkcs8.pem");
    let now = UnixTime::from_secs(1_700_000_000);
    for backend in Backend::ALL {
        let key = ServiceAccountKey::from_json_with_backend(&json, *backend).unwrap();
        let signing = SigningKey::from_pem_with_backend(&pem, "k", *backend).unwrap();
        let signed = key
            .sign_jwt(&Claims::from_json(r#"{"sub":"x"}"#).unwrap(), now)
            .unwrap();
        let blob = key.sign_blob(b"blob").unwrap();
        let assertion = JwtBearerAssertion::new(&key, ["scope"])
            .unwrap()
            .sign(key.signing_key(), now)
            .unwrap();
        let token = signed.signed_jwt().expose_secret().to_owned();
        let blob_b64 = base64_std(blob.signature());
        let pieces = secret_pieces(&pem, &[&token, assertion.expose_secret(), &blob_b64]);
        // The detector itself must see secrets when they are there.
        assert!(pieces.iter().any(|piece| token.contains(piece.as_str())));
        assert!(pieces.iter().any(|piece| pem.contains(piece.as_str())));

        let rendered = [
            ("ServiceAccountKey", both(&key)),
            ("SigningKey", both(&signing)),
            ("SignedJwt", both(&signed)),
            ("SignedBlob", both(&blob)),
            ("assertion Debug", both(&assertion)),
            ("assertion Display", assertion.to_string()),
            ("SecretString Display", signed.signed_jwt().to_string()),
            ("SignedJwt json Debug", both(&signed.to_json())),
            ("PublicKey", both(key.public_key())),
        ];
        for (what, text) in &rendered {
            assert_clean(what, text, &pieces);
        }
        assert!(
            both(&key).contains(key.key_id()),
            "Debug should still identify the key"
        );
    }
}

fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn error_text(err: &Error) -> String {
    format!("{err:?} | {err}")
}

#[test]
fn key_errors_never_echo_key_text() {
    let pem = fixture("rsa_2048_pkcs8.pem");
    let pieces = secret_pieces(&pem, &[]);
    let corrupted = pem.replacen("MII", "M!I", 1);
    let truncated = &pem[..pem.len() / 2];
    let wrong_label = pem.replace("PRIVATE KEY", "PUBLIC KEY");
    let json_escaped = serde_json::to_string(&pem).unwrap();
    let hostile_files = [
        // The PEM in every field where an error message might mention the value.
        format!(
            r#"{{"type":{json_escaped},"private_key_id":"k","private_key":"x","client_email":"a@b.c"}}"#
        ),
        format!(
            r#"{{"type":"service_account","private_key_id":"k","private_key":"x","client_email":{json_escaped}}}"#
        ),
        format!(
            r#"{{"type":"service_account","private_key_id":"k","private_key":"x","client_email":"a@b.c","token_uri":{json_escaped}}}"#
        ),
        format!(
            r#"{{"type":"service_account","private_key_id":{json_escaped},"private_key":"x","client_email":"a@b.c"}}"#
        ),
        format!(
            r#"{{"type":"service_account","private_key_id":"k","private_key":{json_escaped},"client_email":"a@b.c","universe_domain":{json_escaped}}}"#
        ),
        format!(
            r#"{{"type":"service_account","private_key_id":"k","private_key":{json_escaped},"client_email":["{}"]}}"#,
            &pem[40..80]
        ),
        format!(
            r#"{{"type":"service_account","private_key_id":"k","private_key":{},"client_email":"a@b.c"}}"#,
            serde_json::to_string(&corrupted).unwrap()
        ),
        format!(
            r#"{{"type":"service_account","private_key_id":"k","private_key":{json_escaped},"client_email":"a@b.c",}}"#
        ),
        json_escaped.clone(),
    ];
    for file in &hostile_files {
        let err = ServiceAccountKey::from_json(file).unwrap_err();
        assert_clean("key file error", &error_text(&err), &pieces);
    }
    for text in [
        corrupted.as_str(),
        truncated,
        wrong_label.as_str(),
        &pem.replace('\n', ""),
    ] {
        let err = SigningKey::from_pem(text, "k").unwrap_err();
        assert_clean("PEM error", &error_text(&err), &pieces);
        let err = KeySet::parse(text).unwrap_err();
        assert_clean("key set error", &error_text(&err), &pieces);
    }
}

#[test]
fn verification_errors_never_echo_the_token() {
    let key = ServiceAccountKey::from_json(&fixture("sa_2048_pkcs8.json")).unwrap();
    let now = UnixTime::from_secs(1_700_000_000);
    let token = key
        .sign_jwt(
            &Claims::from_json(r#"{"sub":"x","aud":"a","iss":"i"}"#).unwrap(),
            now,
        )
        .unwrap()
        .signed_jwt()
        .expose_secret()
        .to_owned();
    let keys = KeySet::parse(&key.jwks().to_json()).unwrap();
    let other = KeySet::parse(&fixture("rsa_8192_spki.pem")).unwrap();
    let pieces = secret_pieces("", &[&token]);
    let (h, rest) = token.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let variants = [
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{p}.{s}x"),
        format!("{h}=.{p}.{s}"),
        format!(" {token}"),
        format!("{p}.{h}.{s}"),
        format!("{h}.{h}.{s}"),
        format!("{h}.{p}.{}", &s[1..]),
    ];
    let validations = [
        Validation::new().audience("b"),
        Validation::new().issuer("j"),
        Validation::new().leeway(0).unwrap(),
        Validation::new().typ("at+jwt"),
    ];
    for variant in &variants {
        let err = credmint::verify(variant, &keys, &Validation::new(), now).unwrap_err();
        assert_clean("malformed token error", &error_text(&err), &pieces);
    }
    for validation in &validations {
        let err = credmint::verify(
            &token,
            &keys,
            validation,
            UnixTime::from_secs(1_800_000_000),
        )
        .unwrap_err();
        assert_clean("claims error", &error_text(&err), &pieces);
    }
    let err = credmint::verify(&token, &other, &Validation::new(), now).unwrap_err();
    assert_clean("signature error", &error_text(&err), &pieces);
    let wrapped = SecretString::from(token.clone());
    assert_eq!(format!("{wrapped:?}"), "SecretString([redacted])");
    assert_eq!(format!("{wrapped}"), "[redacted]");
}

#[test]
fn protocol_types_are_redacted() {
    use credmint::google::ExternalAccount;
    use credmint::ibm::IbmIam;
    use credmint::{
        AccessToken, ClientCredentials, Endpoint, Flow, FlowOptions, HttpResponse, TokenLifetime,
    };

    let secrets = [
        "ya29.SECRET-TOKEN",
        "MY-API-KEY-VALUE",
        "CLIENT-SECRET-VALUE",
        "REFRESH-SECRET",
    ];
    let lifetime = TokenLifetime::new(UnixTime::from_secs(0), UnixTime::from_secs(3600)).unwrap();
    let token = AccessToken::new(SecretString::from(secrets[0].to_owned()), lifetime).unwrap();
    let ibm = IbmIam::new()
        .client("bx", SecretString::from(secrets[2].to_owned()))
        .unwrap();
    let request = ibm
        .api_key_request(&SecretString::from(secrets[1].to_owned()))
        .unwrap();
    let client = ClientCredentials::new(
        Endpoint::new("https://auth.example/token").unwrap(),
        "id",
        SecretString::from(secrets[2].to_owned()),
    )
    .unwrap();
    let account = ExternalAccount::from_json(&format!(
        r#"{{"type":"external_account","audience":"a","subject_token_type":"t","credential_source":{{"file":"/t"}},"client_id":"c","client_secret":"{}"}}"#,
        secrets[2]
    ))
    .unwrap();
    let response = HttpResponse::new(
        200,
        vec![],
        format!(r#"{{"access_token":"{}","refresh_token":"{}","token_type":"Bearer","expires_in":3600,"expiration":4000}}"#, secrets[0], secrets[3]).into_bytes(),
    );
    let mut flow = ibm
        .api_key_flow(
            &SecretString::from(secrets[1].to_owned()),
            &FlowOptions::default(),
        )
        .unwrap();
    let _ = flow.poll(UnixTime::from_secs(100)).unwrap();
    flow.feed_response(response.clone()).unwrap();
    let ibm_token = match flow.poll(UnixTime::from_secs(100)).unwrap() {
        credmint::Step::Done(token) => token,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        ibm_token.refresh_token().unwrap().expose_secret(),
        secrets[3]
    );
    let rendered = [
        format!("{token:?}"),
        format!("{ibm_token:?}"),
        format!("{request:?}"),
        format!("{response:?}"),
        format!("{client:?}"),
        format!("{ibm:?}"),
        format!("{account:?}"),
        format!("{:?}", client.request()),
    ];
    for text in &rendered {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    // The request itself does carry the secrets, for the host to send.
    assert!(String::from_utf8_lossy(request.body()).contains(secrets[1]));
}
