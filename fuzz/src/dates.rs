//! Dates and caching headers: RFC 3339 timestamps, Google durations,
//! `Cache-Control` / `Age` / `Expires` / `Date` on key-set answers, and
//! `Retry-After` (seconds or an IMF date) on a retried token request.

use crate::input::Input;
use crate::properties::assert_bounded_request;
use credmint::{
    CredentialOptions, Credentials, HttpResponse, KeySetPolicy, Lifetime, Step, UnixTime,
    format_rfc3339, parse_rfc3339,
};

const NOW: i64 = 1_700_000_000;

/// The `dates` target: input is up to five length-prefixed texts.
pub fn dates(data: &[u8]) {
    let mut input = Input::new(data);
    let first = input.text();
    rfc3339_round_trip(&first);
    if let Ok(lifetime) = Lifetime::parse(&first) {
        if lifetime.as_secs() > Lifetime::MAX_SECS {
            panic!("a lifetime past the maximum parsed");
        }
        if Lifetime::parse(&lifetime.to_duration_string()).ok() != Some(lifetime) {
            panic!("a lifetime does not survive printing");
        }
    }
    let headers = [
        ("cache-control", input.text()),
        ("age", input.text()),
        ("expires", input.text()),
        ("date", first.clone()),
    ];
    freshness_is_clamped(&headers);
    retry_after_is_bounded(&input.text());
}

fn rfc3339_round_trip(text: &str) {
    if let Ok(time) = parse_rfc3339(text) {
        let printed = format_rfc3339(time);
        match parse_rfc3339(&printed) {
            Ok(again) if again == time => {}
            _ => panic!("an RFC 3339 time does not survive printing"),
        }
    }
}

fn freshness_is_clamped(headers: &[(&str, String)]) {
    let headers = headers
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect();
    let response = HttpResponse::new(200, headers, b"{\"keys\":[]}".to_vec());
    let policy = KeySetPolicy::default();
    let secs = policy.freshness_secs(&response, UnixTime::from_secs(NOW));
    if !(policy.min_ttl_secs..=policy.max_ttl_secs).contains(&secs) {
        panic!("key-set freshness {secs} s outside the policy");
    }
}

/// A 503 with this `Retry-After` is either retried after a bounded wait or
/// ends the flow with a typed error.
fn retry_after_is_bounded(retry_after: &str) {
    let options = CredentialOptions {
        jitter_seed: Some(7),
        ..CredentialOptions::default()
    };
    let Ok(credentials) = Credentials::from_json_with(
        r#"{"type":"ibm_api_key","apikey":"fuzz-api-key"}"#,
        &options,
    ) else {
        panic!("the IBM document stopped parsing");
    };
    let Ok(mut flow) = credentials.access_token_flow() else {
        panic!("the IBM flow stopped building");
    };
    let now = UnixTime::from_secs(NOW);
    match flow.poll(now) {
        Ok(Step::Send(request)) => assert_bounded_request(&request),
        _ => panic!("the IBM flow did not send first"),
    }
    let response = HttpResponse::new(
        503,
        vec![("retry-after".to_owned(), retry_after.to_owned())],
        Vec::new(),
    );
    if flow.feed_response(response).is_err() {
        return;
    }
    match flow.poll(now) {
        Ok(Step::Wait(until)) => {
            let waited = until.as_secs() - NOW;
            if !(0..=60).contains(&waited) {
                panic!("a Retry-After made the flow wait {waited} s");
            }
        }
        Ok(Step::Done(_)) | Err(_) => {}
        Ok(_) => panic!("a 503 was retried without waiting"),
    }
}
