//! Compact JWS parsing and verification (RS256 and ES256) against a fixed key
//! set, on two crypto backends that must agree.

use credmint::{
    Algorithm, Backend, KeySet, PublicKey, UnixTime, Validation, decode_unverified, fuzzing, verify,
};
use std::sync::OnceLock;

const JWKS: &str = include_str!("../../tests/vectors/keys/jwks_two_keys.json");
const EC_SPKI: &str = include_str!("../../tests/vectors/keys/ec_p256_spki.pem");
/// The time the verify vectors' tokens were minted for.
const NOW: i64 = 1_700_000_000;

struct Fixture {
    aws_lc: KeySet,
    rust_crypto: KeySet,
    validation: Validation,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (Ok(jwks), Ok(ec)) = (KeySet::from_jwks(JWKS), PublicKey::from_pem(EC_SPKI)) else {
            panic!("the fixture keys stopped parsing");
        };
        let mut keys = jwks.keys().to_vec();
        keys.push(ec);
        let Ok(set) = KeySet::new(keys) else {
            panic!("the fixture key set stopped building");
        };
        let (Ok(aws_lc), Ok(rust_crypto)) = (
            set.clone().with_backend(Backend::AwsLc),
            set.with_backend(Backend::RustCrypto),
        ) else {
            panic!("the fixture key set refused a backend");
        };
        let Ok(validation) = Validation::new()
            .audience("https://svc.example")
            .issuer("https://issuer.example")
            .algorithms(&[Algorithm::Rs256, Algorithm::Es256])
        else {
            panic!("the fixture validation stopped building");
        };
        Fixture {
            aws_lc,
            rust_crypto,
            validation,
        }
    })
}

/// The `jws` target: input is a token.
pub fn jws(data: &[u8]) {
    let token = String::from_utf8_lossy(data);
    let fixture = fixture();
    let now = UnixTime::from_secs(NOW);
    let decoded = decode_unverified(&token);
    let aws_lc = verify(&token, &fixture.aws_lc, &fixture.validation, now);
    let rust_crypto = verify(&token, &fixture.rust_crypto, &fixture.validation, now);
    match (&aws_lc, &rust_crypto) {
        (Ok(a), Ok(b)) => {
            if a.claims() != b.claims() {
                panic!("the backends read different claims");
            }
            if decoded.is_err() {
                panic!("a token verified that does not decode");
            }
        }
        (Err(a), Err(b)) if a.code() == b.code() => {}
        _ => panic!(
            "the backends disagree: aws-lc {:?}, RustCrypto {:?}",
            aws_lc.as_ref().map_err(|e| e.code()).map(|_| "ok"),
            rust_crypto.as_ref().map_err(|e| e.code()).map(|_| "ok")
        ),
    }
    // Each segment decodes alike with the native decoder and WebAssembly's.
    for segment in token.split('.') {
        let (native, portable) = fuzzing::b64url_both_ways(segment);
        if native != portable {
            panic!("the base64url decoders disagree on a segment");
        }
    }
}
