//! `IamCall`, the run-time choice of an IAM Credentials method, builds the same
//! conversation as the typed `ImpersonatedFlow` constructors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::google::{IamAnswer, IamCall, IamCredentials, ServiceAccountId, SourceToken};
use credmint::{
    AccessToken, Claims, Endpoint, Flow, FlowOptions, HttpResponse, Lifetime, SecretString, Step,
    TokenLifetime, UnixTime,
};

const NOW: i64 = 1_700_000_000;

fn source() -> SourceToken {
    let lifetime =
        TokenLifetime::new(UnixTime::from_secs(NOW), UnixTime::from_secs(NOW + 3600)).unwrap();
    SourceToken::Token(
        AccessToken::new(SecretString::from("ya29.caller".to_owned()), lifetime).unwrap(),
    )
}

fn run(call: IamCall, body: &str) -> (String, IamAnswer) {
    let iam = IamCredentials::with_endpoint(Endpoint::new("http://127.0.0.1:9").unwrap());
    let target = ServiceAccountId::new("sa@p.iam.gserviceaccount.com").unwrap();
    let mut flow = call
        .flow(source(), iam, target, Vec::new(), FlowOptions::default())
        .unwrap();
    let Step::Send(request) = flow.poll(UnixTime::from_secs(NOW)).unwrap() else {
        panic!("expected a request")
    };
    let url = request.url().to_owned();
    flow.feed_response(HttpResponse::new(
        200,
        vec![("content-type".into(), "application/json".into())],
        body.as_bytes().to_vec(),
    ))
    .unwrap();
    let Step::Done(answer) = flow.poll(UnixTime::from_secs(NOW)).unwrap() else {
        panic!("expected the answer")
    };
    (url, answer)
}

#[test]
fn each_call_reaches_its_method_and_parses_its_answer() {
    let base = "http://127.0.0.1:9/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com";
    let (url, answer) = run(
        IamCall::GenerateAccessToken {
            scopes: vec!["s".into()],
            lifetime: Lifetime::from_secs(600).unwrap(),
        },
        r#"{"accessToken":"ya29.t","expireTime":"2023-11-14T22:23:20Z"}"#,
    );
    assert_eq!(url, format!("{base}:generateAccessToken"));
    assert!(
        matches!(answer, IamAnswer::AccessToken(t) if t.expires_at().as_secs() == 1_700_000_600)
    );

    let (url, answer) = run(
        IamCall::SignBlob(b"x".to_vec()),
        r#"{"keyId":"k","signedBlob":"AQI="}"#,
    );
    assert_eq!(url, format!("{base}:signBlob"));
    assert!(matches!(answer, IamAnswer::SignedBlob(b) if b.signature() == [1, 2]));

    let (url, answer) = run(
        IamCall::SignJwt(Claims::from_json(r#"{"aud":"a"}"#).unwrap()),
        r#"{"keyId":"k","signedJwt":"eyJhbGciOiJSUzI1NiIsImtpZCI6ImsiLCJ0eXAiOiJKV1QifQ.eyJhdWQiOiJhIn0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
    );
    assert_eq!(url, format!("{base}:signJwt"));
    assert!(matches!(answer, IamAnswer::SignedJwt(j) if j.key_id() == "k"));

    let (url, answer) = run(
        IamCall::AllowedLocations,
        r#"{"locations":["us-east1"],"encodedLocations":"0x2"}"#,
    );
    assert_eq!(url, format!("{base}/allowedLocations"));
    assert!(matches!(answer, IamAnswer::AllowedLocations(l) if l.locations == ["us-east1"]));
}
