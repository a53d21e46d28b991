//! `GET /_emulator/stats`: every request counted by method and route pattern,
//! and `POST /_emulator/stats/reset`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

fn stats(s: &Server) -> Value {
    let answer = s.get("/_emulator/stats", None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()
}

#[test]
fn requests_are_counted_by_route_and_reset() {
    let s = start(None);
    // Starting makes no requests: the counter's only entry is this one.
    assert_eq!(stats(&s), json!({"requests": {"GET /_emulator/stats": 1}}));

    for _ in 0..3 {
        assert_eq!(s.get("/oauth2/v3/certs", None).status, 200);
    }
    s.token_of(CI);
    assert_eq!(
        s.get(&format!("/robot/v1/metadata/x509/{CI}"), None).status,
        200
    );
    assert_eq!(
        s.get(&format!("/robot/v1/metadata/x509/{DEPLOYER}"), None)
            .status,
        200
    );
    let metadata = send(
        "GET",
        &s.url("/computeMetadata/v1/project/project-id"),
        &[("metadata-flavor", "Google")],
        b"",
    );
    assert_eq!(metadata.status, 200);
    assert_eq!(s.get("/no/such/path", None).status, 404);
    assert_eq!(send("DELETE", &s.url("/nowhere"), &[], b"").status, 404);
    assert_eq!(s.get("/token", None).status, 405);

    assert_eq!(
        stats(&s),
        json!({"requests": {
            "GET /_emulator/stats": 2,
            "GET /oauth2/v3/certs": 3,
            "POST /token": 1,
            "GET /robot/v1/metadata/x509/{email}": 2,
            "GET /computeMetadata/{*path}": 1,
            "GET <fallback>": 1,
            "DELETE <fallback>": 1,
            "GET /token": 1,
        }})
    );

    let reset = send("POST", &s.url("/_emulator/stats/reset"), &[], b"");
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(reset.json(), json!({"requests": {}}));
    assert_eq!(s.get("/oauth2/v3/certs", None).status, 200);
    assert_eq!(
        stats(&s),
        json!({"requests": {"GET /oauth2/v3/certs": 1, "GET /_emulator/stats": 1}})
    );
}
