//! The `token_verifier` conversation vectors: a ready verifier asked to
//! verify several tokens, each at its own time, so that a vector shows when
//! the key set is fetched (freshness from `Cache-Control`, `Age`, `Expires`),
//! refetched (an unknown `kid`, after the cooldown) or kept (the endpoint
//! failing, within the stale-if-error bound). Between two verifications the
//! flow waits until the next one's time.

use super::{Runner, bad, s, time};
use crate::{Error, Flow, HttpResponse, Result, Step, TokenVerifier, UnixTime, VerifyFlow};
use serde_json::{Value, json};

/// One verification: when, and which token.
struct Planned {
    at: UnixTime,
    token: String,
}

pub(super) struct VerifierRunner {
    verifier: TokenVerifier,
    planned: std::vec::IntoIter<Planned>,
    current: Option<VerifyFlow<crate::VerifiedClaims>>,
    next: Option<Planned>,
    results: Vec<Value>,
}

impl VerifierRunner {
    pub(super) fn from_spec(spec: &Value) -> Result<Self> {
        let options = spec.get("options").cloned().unwrap_or(json!({}));
        let verifier = TokenVerifier::from_options(&s(&spec["preset"])?, &options.to_string())?;
        let planned = spec["verifications"]
            .as_array()
            .ok_or_else(|| bad("verifications must be a list"))?
            .iter()
            .map(|v| {
                Ok(Planned {
                    at: time(&v["at"])?,
                    token: s(&v["token"])?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut planned = planned.into_iter();
        let next = planned.next();
        Ok(VerifierRunner {
            verifier,
            planned,
            current: None,
            next,
            results: Vec::new(),
        })
    }

    fn record(&mut self, result: Result<crate::VerifiedClaims>) {
        self.current = None;
        self.results.push(match result {
            Ok(claims) => json!({ "claims": Value::Object(claims.into_claims().into_map()) }),
            Err(err) => json!({ "error": err.code() }),
        });
    }

    fn current(&mut self) -> Result<&mut VerifyFlow<crate::VerifiedClaims>> {
        self.current
            .as_mut()
            .ok_or_else(|| Error::invalid_argument("no request is waiting for a response"))
    }
}

impl Runner for VerifierRunner {
    fn poll(&mut self, now: UnixTime) -> Result<Step<Value>> {
        loop {
            if let Some(flow) = self.current.as_mut() {
                match flow.poll(now) {
                    Ok(Step::Done(claims)) => self.record(Ok(claims)),
                    Ok(Step::Send(request)) => return Ok(Step::Send(request)),
                    Ok(Step::Wait(until)) => return Ok(Step::Wait(until)),
                    Ok(_) => return Err(bad("verification signs nothing and reads no file")),
                    Err(err) => self.record(Err(err)),
                }
                continue;
            }
            match self.next.take() {
                None => return Ok(Step::Done(json!({ "results": self.results }))),
                Some(planned) if now < planned.at => {
                    let at = planned.at;
                    self.next = Some(planned);
                    return Ok(Step::Wait(at));
                }
                Some(planned) => {
                    self.current = Some(self.verifier.verify(&planned.token));
                    self.next = self.planned.next();
                }
            }
        }
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        self.current()?.feed_response(response)
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        self.current()?.feed_transport_error(reason)
    }

    fn feed_signature(&mut self, _signature: &[u8]) -> Result<()> {
        Err(bad("verification signs nothing"))
    }
}
