"""Conversation vectors: scripted HTTP exchanges of every protocol flow.

Expected requests are written here from the wire formats (urllib encoding,
json.dumps, assertions signed by OpenSSL), and where a reference client library
builds the same request, `crosscheck.py` asserts that it agrees.
"""

import base64
import datetime
import json
import urllib.parse

from fixtures import SA_EMAIL, SA_KEY_ID, b64std, b64u, canonical, jwk, jwt, jwt_header, sign

NOW = 1_700_000_000
CLOUD = "https://www.googleapis.com/auth/cloud-platform"
TOKEN_URI = "https://oauth2.googleapis.com/token"
IAM = "https://iamcredentials.googleapis.com"
SA = {"format": "service_account", "file": "keys/sa_2048_pkcs8.json"}
TARGET = "target@credmint-vectors.iam.gserviceaccount.com"
DELEGATE = "delegate@credmint-vectors.iam.gserviceaccount.com"
SOURCE = {"token": "ya29.source-token", "obtained_at": NOW - 100, "expires_at": NOW + 3000}
FORM = ["Content-Type", "application/x-www-form-urlencoded"]
JSON_CT = ["Content-Type", "application/json"]
MASK = (1 << 64) - 1


# ---------------------------------------------------------------- oracles

class Jitter:
    """SplitMix64, the documented jitter generator of FlowOptions/TokenCache."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, bound):
        return 0 if bound == 0 else self.next() % bound


DEFAULT_RETRY = {"max_attempts": 3, "initial_delay_secs": 1, "max_delay_secs": 32, "max_retry_after_secs": 60}


def delay_after(policy, attempt, retry_after, jitter):
    """RetryPolicy::delay_after, from its documentation."""
    if attempt >= policy["max_attempts"]:
        return None
    if retry_after is not None and retry_after > policy["max_retry_after_secs"]:
        return None
    base = min(policy["initial_delay_secs"] * (1 << min(max(attempt - 1, 0), 32)), policy["max_delay_secs"])
    return max(base - jitter.below(base // 2 + 1), retry_after or 0)


def form(pairs):
    return urllib.parse.urlencode(pairs)


def query(pairs):
    return urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)


def basic(client_id, secret):
    pair = urllib.parse.quote_plus(client_id) + ":" + urllib.parse.quote_plus(secret)
    return "Basic " + base64.b64encode(pair.encode()).decode()


def body_json(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def rfc3339(secs, fraction=""):
    stamp = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return stamp + fraction + "Z"


#: HttpRequest::timeout_millis unless the conversation or FlowOptions says otherwise.
DEFAULT_TIMEOUT_MILLIS = 20_000


def send(method, url, headers, body="", timeout_millis=DEFAULT_TIMEOUT_MILLIS):
    return {"send": {"method": method, "url": url, "headers": headers, "body": body,
                     "timeout_millis": timeout_millis}}


def respond(status, body, headers=None):
    return {"status": status, "headers": headers or [], "body": body if isinstance(body, str) else json.dumps(body)}


def step(now, expect, **extra):
    return {"now": now, "expect": expect, **extra}


def token_out(token, obtained, expires, refresh=None, scope=None):
    return {"token": token, "obtained_at": obtained, "expires_at": expires, "refresh_token": refresh, "scope": scope}


def error(code, **fields):
    return {"error": {"code": code, **fields}}


class Builder:
    def __init__(self, keys):
        self.K = keys
        self.cases = []

    def add(self, name, flow, steps=None, construct_error=None):
        case = {"name": name, "flow": flow}
        if construct_error:
            case["construct_error"] = construct_error
        else:
            case["steps"] = steps
        self.cases.append(case)

    # ------------------------------------------------------------ Google token endpoint

    def assertion(self, claims_extra=None, scopes=(CLOUD,), now=NOW):
        iat = now - 10
        claims = {"iss": SA_EMAIL, "scope": " ".join(scopes), "aud": TOKEN_URI, "iat": iat, "exp": iat + 3600}
        claims.update(claims_extra or {})
        return jwt(self.K.sa, SA_KEY_ID, claims)

    def grant_request(self, assertion):
        return send("POST", TOKEN_URI, [FORM], form([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                                                    ("assertion", assertion)]))

    def google_token_endpoint(self):
        ok = {"access_token": "ya29.c.granted", "expires_in": 3599, "token_type": "Bearer"}
        flow = {"kind": "jwt_bearer", "key": SA, "scopes": [CLOUD]}
        request = self.grant_request(self.assertion())
        done = {"done": token_out("ya29.c.granted", NOW, NOW + 3599)}
        self.add("JWT-bearer grant: access token", flow, [
            step(NOW, request, respond=respond(200, ok)),
            step(NOW, done),
        ])
        self.add("JWT-bearer grant with a subject (domain-wide delegation)",
                 {**flow, "subject": "user@example.com"}, [
                     step(NOW, self.grant_request(self.assertion({"sub": "user@example.com"})),
                          respond=respond(200, {**ok, "scope": CLOUD})),
                     step(NOW, {"done": token_out("ya29.c.granted", NOW, NOW + 3599, scope=CLOUD)}),
                 ])
        signing_input = self.assertion().rsplit(".", 1)[0]
        self.add("JWT-bearer grant with an external signer", {**flow, "signer": "external"}, [
            step(NOW, {"sign": {"key_id": SA_KEY_ID, "payload": signing_input}},
                 signature_b64url=b64u(sign(self.K.sa, signing_input.encode()))),
            step(NOW, request, respond=respond(200, ok)),
            step(NOW, done),
        ])
        self.add("expires_in as a string", flow, [
            step(NOW, request, respond=respond(200, {**ok, "expires_in": "3599"})),
            step(NOW, done),
        ])
        self.add("invalid_grant is not retried", flow, [
            step(NOW, request, respond=respond(400, {"error": "invalid_grant",
                                                    "error_description": "Invalid JWT Signature."})),
            step(NOW, error("credential_rejected", status=400, provider_code="invalid_grant", retryable=False)),
        ])
        self.add("invalid_scope is a plain refusal", flow, [
            step(NOW, request, respond=respond(400, {"error": "invalid_scope"})),
            step(NOW, error("remote_error", status=400, provider_code="invalid_scope")),
        ])
        # Backoff: 503 (HTML), 429 with Retry-After, then success.
        jitter = Jitter(42)
        d1 = delay_after(DEFAULT_RETRY, 1, None, jitter)
        d2 = delay_after(DEFAULT_RETRY, 2, 7, jitter)
        t1 = NOW + 1
        t2 = t1 + d1
        t3 = t2 + 1
        t4 = t3 + d2
        self.add("retries: 503 HTML page, then 429 with Retry-After, then success", {**flow, "jitter_seed": 42}, [
            step(NOW, request, respond=respond(503, "<html><body>Service Unavailable</body></html>",
                                               [["Content-Type", "text/html"]])),
            step(t1, {"wait": t1 + d1}),
            step(t1 + d1 - 1, {"wait": t1 + d1}),
            step(t2, request, respond=respond(429, {"error": "rate_limited"}, [["Retry-After", "7"]])),
            step(t3, {"wait": t3 + d2}),
            step(t4, request, respond=respond(200, ok)),
            step(t4, {"done": token_out("ya29.c.granted", t4, t4 + 3599)}),
        ])
        jitter = Jitter(7)
        policy = {"max_attempts": 4, "initial_delay_secs": 2, "max_delay_secs": 5, "max_retry_after_secs": 60}
        steps, now = [], NOW
        for attempt in range(1, 5):
            steps.append(step(now, request, respond=respond(500, {"error": "internal_failure"})))
            delay = delay_after(policy, attempt, None, jitter)
            if delay is None:
                steps.append(step(now, error("server_error", status=500, retryable=True)))
                break
            steps.append(step(now, {"wait": now + delay}))
            now += delay
        self.add("retries exhausted: exponential backoff, capped", {**flow, "retry": policy, "jitter_seed": 7}, steps)
        self.add("Retry-After beyond the limit gives up at once", flow, [
            step(NOW, request, respond=respond(503, "", [["Retry-After", "120"]])),
            step(NOW, error("server_error", status=503, retry_after=120, retryable=True)),
        ])
        http_date = "Tue, 14 Nov 2023 22:13:25 GMT"  # NOW + 5
        self.add("Retry-After as an HTTP date", {**flow, "jitter_seed": 3}, [
            step(NOW, request, respond=respond(429, "", [["Retry-After", http_date]])),
            step(NOW, {"wait": NOW + 5}),
            step(NOW + 5, request, respond=respond(200, ok)),
            step(NOW + 5, {"done": token_out("ya29.c.granted", NOW + 5, NOW + 5 + 3599)}),
        ])
        jitter = Jitter(0)
        d = delay_after(DEFAULT_RETRY, 1, None, jitter)
        self.add("transport failure is retried", flow, [
            step(NOW, request, transport_error="connection refused"),
            step(NOW, {"wait": NOW + d}),
            step(NOW + d, request, respond=respond(200, ok)),
            step(NOW + d, {"done": token_out("ya29.c.granted", NOW + d, NOW + d + 3599)}),
        ])
        # FlowOptions.request_timeout_millis: every attempt carries the shorter
        # limit; the host reports the abandoned request as a transport error.
        quick = {**request, "send": {**request["send"], "timeout_millis": 1500}}
        jitter = Jitter(5)
        d = delay_after(DEFAULT_RETRY, 1, None, jitter)
        self.add("a shorter request time limit from FlowOptions", {**flow, "jitter_seed": 5,
                                                                   "request_timeout_millis": 1500}, [
            step(NOW, quick, transport_error="no complete answer within 1500 ms"),
            step(NOW + 2, {"wait": NOW + 2 + d}),
            step(NOW + 2 + d, quick, respond=respond(200, ok)),
            step(NOW + 2 + d, {"done": token_out("ya29.c.granted", NOW + 2 + d, NOW + 2 + d + 3599)}),
        ])
        for label, body in [
            ("HTML page with status 200", "<html></html>"),
            ("empty body", ""),
            ("access_token is a number", json.dumps({**ok, "access_token": 5})),
            ("expires_in missing", json.dumps({"access_token": "a", "token_type": "Bearer"})),
            ("expires_in negative", json.dumps({**ok, "expires_in": -1})),
            ("token_type is not Bearer", json.dumps({**ok, "token_type": "MAC"})),
            ("duplicate access_token", '{"access_token":"a","access_token":"b","expires_in":3599}'),
        ]:
            self.add(f"malformed answer: {label}", flow, [
                step(NOW, request, respond=respond(200, body)),
                step(NOW, error("invalid_response", status=200, retryable=False)),
            ])
        self.add("no scopes", {**flow, "scopes": []}, construct_error="invalid_argument")
        insecure = json.loads((self.K.sa_json))
        insecure["token_uri"] = "http://oauth.example.com/token"
        self.add("plain-http token_uri to a remote host",
                 {**flow, "key": {"format": "service_account", "text": json.dumps(insecure)}},
                 construct_error="invalid_argument")
        # ID token grant.
        iat = NOW - 10
        id_claims = {"iss": SA_EMAIL, "aud": TOKEN_URI, "target_audience": "https://svc.example.run.app",
                     "iat": iat, "exp": iat + 3600}
        id_request = self.grant_request(jwt(self.K.sa, SA_KEY_ID, id_claims))
        id_token = jwt(self.K.other, "google-key", {"aud": "https://svc.example.run.app", "exp": NOW + 3600,
                                                     "iat": NOW, "iss": "https://accounts.google.com",
                                                     "sub": "1234"})
        id_flow = {"kind": "id_token_grant", "key": SA, "audience": "https://svc.example.run.app"}
        self.add("ID-token grant", id_flow, [
            step(NOW, id_request, respond=respond(200, {"id_token": id_token})),
            step(NOW, {"done": {"token": id_token, "expires_at": NOW + 3600}}),
        ])
        no_exp = jwt(self.K.other, "google-key", {"aud": "x", "iat": NOW})
        self.add("ID-token grant answer without exp", id_flow, [
            step(NOW, id_request, respond=respond(200, {"id_token": no_exp})),
            step(NOW, error("invalid_response", status=200)),
        ])
        self.add("ID-token grant answer that is not a JWT", id_flow, [
            step(NOW, id_request, respond=respond(200, {"id_token": "not-a-jwt"})),
            step(NOW, error("invalid_response", status=200)),
        ])

    # ------------------------------------------------------------ IAM Credentials

    def iam_url(self, method, target=TARGET):
        return f"{IAM}/v1/projects/-/serviceAccounts/{target}:{method}"

    def iam_flow(self, kind, **params):
        return {"kind": kind, "source_token": SOURCE, "endpoint": IAM, "target": TARGET, "delegates": [], **params}

    def iam_headers(self, quota=None):
        headers = [["Authorization", "Bearer ya29.source-token"]]
        if quota:
            headers.append(["x-goog-user-project", quota])
        return headers + [JSON_CT]

    def iam(self):
        expire = NOW + 3600
        access = self.iam_flow("iam_access_token", delegates=[DELEGATE], scopes=[CLOUD], lifetime="3600s",
                               quota_project="billing-project")
        request = send("POST", self.iam_url("generateAccessToken"), self.iam_headers("billing-project"),
                       body_json({"delegates": [f"projects/-/serviceAccounts/{DELEGATE}"], "scope": [CLOUD],
                                  "lifetime": "3600s"}))
        self.iam_access_request = request
        self.add("IAM generateAccessToken through a delegate", access, [
            step(NOW, request, respond=respond(200, {"accessToken": "ya29.impersonated",
                                                    "expireTime": rfc3339(expire, ".123456789")})),
            step(NOW, {"done": token_out("ya29.impersonated", NOW, expire)}),
        ])
        self.add("IAM expireTime with an offset", access, [
            step(NOW, request, respond=respond(200, {"accessToken": "ya29.impersonated",
                                                    "expireTime": rfc3339(expire + 7200)[:-1] + "+02:00"})),
            step(NOW, {"done": token_out("ya29.impersonated", NOW, expire)}),
        ])
        self.add("IAM expireTime in the past", access, [
            step(NOW, request, respond=respond(200, {"accessToken": "x", "expireTime": rfc3339(NOW - 1)})),
            step(NOW, error("invalid_response", status=200)),
        ])
        self.add("IAM expireTime not RFC 3339", access, [
            step(NOW, request, respond=respond(200, {"accessToken": "x", "expireTime": str(expire)})),
            step(NOW, error("invalid_response", status=200)),
        ])
        denied = {"error": {"code": 403, "message": "Permission 'iam.serviceAccounts.getAccessToken' denied on "
                            "resource (or it may not exist).", "status": "PERMISSION_DENIED",
                            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                         "reason": "IAM_PERMISSION_DENIED", "domain": "iam.googleapis.com",
                                         "metadata": {"permission": "iam.serviceAccounts.getAccessToken"}}]}}
        self.add("IAM 403 PERMISSION_DENIED", access, [
            step(NOW, request, respond=respond(403, denied)),
            step(NOW, error("permission_denied", status=403, provider_code="PERMISSION_DENIED",
                            reason="IAM_PERMISSION_DENIED", permission="iam.serviceAccounts.getAccessToken",
                            retryable=False)),
        ])
        self.add("IAM 400 INVALID_ARGUMENT (lifetime over the organisation's limit)",
                 {**access, "lifetime": "43200s"}, [
                     step(NOW, send("POST", self.iam_url("generateAccessToken"), self.iam_headers("billing-project"),
                                    body_json({"delegates": [f"projects/-/serviceAccounts/{DELEGATE}"],
                                               "scope": [CLOUD], "lifetime": "43200s"})),
                          respond=respond(400, {"error": {"code": 400, "message": "Lifetime must be at most 3600s",
                                                          "status": "INVALID_ARGUMENT"}})),
                     step(NOW, error("remote_error", status=400, provider_code="INVALID_ARGUMENT")),
                 ])
        self.add("IAM 401 UNAUTHENTICATED", access, [
            step(NOW, request, respond=respond(401, {"error": {"code": 401, "message": "Request had invalid "
                                                               "authentication credentials.",
                                                               "status": "UNAUTHENTICATED"}})),
            step(NOW, error("unauthenticated", status=401, provider_code="UNAUTHENTICATED")),
        ])
        self.add("IAM 404", access, [
            step(NOW, request, respond=respond(404, {"error": {"code": 404, "message": "Not found",
                                                               "status": "NOT_FOUND"}})),
            step(NOW, error("not_found", status=404)),
        ])
        self.add("IAM lifetime over 12 hours", {**access, "lifetime": "43201s"}, construct_error="invalid_argument")
        self.add("IAM lifetime not a duration", {**access, "lifetime": "1h"}, construct_error="invalid_argument")
        self.add("IAM without scopes", {**access, "scopes": []}, construct_error="invalid_argument")
        self.add("IAM target is not an account", {**access, "target": "../evil"}, construct_error="invalid_argument")
        unique = "103271949540120710052"
        self.add("IAM fractional lifetime, unique-id target",
                 self.iam_flow("iam_access_token", target=unique, scopes=[CLOUD], lifetime="1800.500s"), [
            step(NOW, send("POST", self.iam_url("generateAccessToken", unique), self.iam_headers(),
                           body_json({"delegates": [], "scope": [CLOUD], "lifetime": "1800.5s"})),
                 respond=respond(200, {"accessToken": "t", "expireTime": rfc3339(NOW + 1800)})),
            step(NOW, {"done": token_out("t", NOW, NOW + 1800)}),
        ])
        expired_source = self.iam_flow("iam_access_token", scopes=[CLOUD], lifetime="3600s",
                                       source_token={**SOURCE, "expires_at": NOW})
        self.add("IAM with an expired source token", expired_source, [
            step(NOW, error("invalid_argument")),
        ])
        # generateIdToken
        id_token = jwt(self.K.other, "google-key", {"aud": "https://svc.example.run.app", "email": TARGET,
                                                     "email_verified": True, "exp": NOW + 3600, "iat": NOW,
                                                     "iss": "https://accounts.google.com", "sub": "1"})
        self.add("IAM generateIdToken with includeEmail",
                 self.iam_flow("iam_id_token", audience="https://svc.example.run.app", include_email=True), [
                     step(NOW, send("POST", self.iam_url("generateIdToken"), self.iam_headers(),
                                    body_json({"delegates": [], "audience": "https://svc.example.run.app",
                                               "includeEmail": True})),
                          respond=respond(200, {"token": id_token})),
                     step(NOW, {"done": {"token": id_token, "expires_at": NOW + 3600}}),
                 ])
        self.add("IAM generateIdToken without audience",
                 self.iam_flow("iam_id_token", audience="", include_email=False), construct_error="invalid_argument")
        # signBlob
        signature = sign(self.K.other, b"hello")
        blob_flow = self.iam_flow("iam_sign_blob", delegates=[DELEGATE], payload_b64=b64std(b"hello"))
        blob_request = send("POST", self.iam_url("signBlob"), self.iam_headers(),
                            body_json({"delegates": [f"projects/-/serviceAccounts/{DELEGATE}"],
                                       "payload": "aGVsbG8="}))
        self.add("IAM signBlob", blob_flow, [
            step(NOW, blob_request, respond=respond(200, {"keyId": "1a2b3c", "signedBlob": b64std(signature)})),
            step(NOW, {"done": {"key_id": "1a2b3c", "signed_blob": b64std(signature)}}),
        ])
        self.add("IAM signBlob answer not base64", blob_flow, [
            step(NOW, blob_request, respond=respond(200, {"keyId": "1a2b3c", "signedBlob": "*not base64*"})),
            step(NOW, error("invalid_response", status=200)),
        ])
        self.add("IAM signBlob 403 for the implicit delegation", blob_flow, [
            step(NOW, blob_request, respond=respond(403, {"error": {
                "code": 403, "message": "Permission 'iam.serviceAccounts.implicitDelegation' denied",
                "status": "PERMISSION_DENIED", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                                            "reason": "IAM_PERMISSION_DENIED",
                                                            "metadata": {"permission":
                                                                         "iam.serviceAccounts.implicitDelegation"}}]}})),
            step(NOW, error("permission_denied", status=403, permission="iam.serviceAccounts.implicitDelegation")),
        ])
        # signJwt
        claims = {"sub": "x", "exp": NOW + 3600}
        signed = jwt(self.K.other, "1a2b3c", {**claims, "iss": TARGET})
        jwt_flow = self.iam_flow("iam_sign_jwt", claims_json='{"sub":"x"}')
        self.add("IAM signJwt adds exp like the local signer", jwt_flow, [
            step(NOW, send("POST", self.iam_url("signJwt"), self.iam_headers(),
                           body_json({"delegates": [], "payload": canonical(claims)})),
                 respond=respond(200, {"keyId": "1a2b3c", "signedJwt": signed})),
            step(NOW, {"done": {"key_id": "1a2b3c", "signed_jwt": signed}}),
        ])
        self.add("IAM signJwt refuses exp over 12 hours before sending",
                 self.iam_flow("iam_sign_jwt", claims_json=f'{{"exp":{NOW + 43201}}}'), [
                     step(NOW, error("lifetime_too_long")),
                 ])
        self.add("IAM signJwt answer that is not a JWT", jwt_flow, [
            step(NOW, send("POST", self.iam_url("signJwt"), self.iam_headers(),
                           body_json({"delegates": [], "payload": canonical(claims)})),
                 respond=respond(200, {"keyId": "1a2b3c", "signedJwt": "a.b"})),
            step(NOW, error("invalid_response", status=200)),
        ])
        # allowedLocations
        loc_flow = self.iam_flow("iam_allowed_locations")
        loc_request = send("GET", f"{IAM}/v1/projects/-/serviceAccounts/{TARGET}/allowedLocations",
                           [["Authorization", "Bearer ya29.source-token"]])
        self.add("IAM allowedLocations", loc_flow, [
            step(NOW, loc_request, respond=respond(200, {"locations": ["us-central1", "us-east1"],
                                                        "encodedLocations": "0xA30"})),
            step(NOW, {"done": {"locations": ["us-central1", "us-east1"], "encoded_locations": "0xA30"}}),
        ])
        self.add("IAM allowedLocations, unrestricted", loc_flow, [
            step(NOW, loc_request, respond=respond(200, {"encodedLocations": "0x0"})),
            step(NOW, {"done": {"locations": [], "encoded_locations": "0x0"}}),
        ])
        self.add("IAM allowedLocations without encodedLocations", loc_flow, [
            step(NOW, loc_request, respond=respond(200, {"locations": []})),
            step(NOW, error("invalid_response", status=200)),
        ])
        # Chain: key → access token → impersonated access token, one state machine.
        chain = {"kind": "impersonation_chain", "source": {"kind": "jwt_bearer", "key": SA, "scopes": [CLOUD]},
                 "endpoint": IAM, "target": TARGET, "delegates": [DELEGATE], "scopes": [CLOUD], "lifetime": "600s"}
        self.add("impersonation chain: key, then generateAccessToken with its token", chain, [
            step(NOW, self.grant_request(self.assertion()),
                 respond=respond(200, {"access_token": "ya29.c.granted", "expires_in": 3599,
                                       "token_type": "Bearer"})),
            step(NOW + 1, send("POST", self.iam_url("generateAccessToken"),
                               [["Authorization", "Bearer ya29.c.granted"], JSON_CT],
                               body_json({"delegates": [f"projects/-/serviceAccounts/{DELEGATE}"], "scope": [CLOUD],
                                          "lifetime": "600s"})),
                 respond=respond(200, {"accessToken": "ya29.final", "expireTime": rfc3339(NOW + 601)})),
            step(NOW + 1, {"done": token_out("ya29.final", NOW + 1, NOW + 601)}),
        ])
        self.add("impersonation chain: the source grant fails", chain, [
            step(NOW, self.grant_request(self.assertion()),
                 respond=respond(400, {"error": "invalid_grant", "error_description": "account disabled"})),
            step(NOW, error("credential_rejected", provider_code="invalid_grant")),
        ])

    # ------------------------------------------------------------ STS

    def external_account(self, **changes):
        info = {
            "type": "external_account",
            "audience": "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/gh",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": "https://sts.googleapis.com/v1/token",
            "credential_source": {"file": "/var/run/secrets/token", "format": {"type": "text"}},
        }
        for name, value in changes.items():
            if value is None:
                info.pop(name, None)
            else:
                info[name] = value
        return {"text": json.dumps(info)}

    def sts_request(self, audience, scope, subject="eyJ.subject.token", headers=None, extra=()):
        fields = [("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("audience", audience),
                  ("scope", scope), ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                  ("subject_token", subject), ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
                  *extra]
        return send("POST", "https://sts.googleapis.com/v1/token", (headers or []) + [FORM], form(fields))

    def sts(self):
        workload = ("//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/"
                    "providers/gh")
        sts_ok = {"access_token": "sts.federated", "issued_token_type":
                  "urn:ietf:params:oauth:token-type:access_token", "token_type": "Bearer", "expires_in": 3599}
        flow = {"kind": "sts", "external_account": self.external_account(), "subject_token": "eyJ.subject.token"}
        request = self.sts_request(workload, CLOUD)
        self.sts_first_request = request
        self.add("STS token exchange (workload identity)", flow, [
            step(NOW, request, respond=respond(200, sts_ok)),
            step(NOW, {"done": token_out("sts.federated", NOW, NOW + 3599)}),
        ])
        self.add("STS with custom scopes", {**flow, "scopes": ["https://www.googleapis.com/auth/devstorage.read_only",
                                                                "openid"]}, [
            step(NOW, self.sts_request(workload, "https://www.googleapis.com/auth/devstorage.read_only openid"),
                 respond=respond(200, sts_ok)),
            step(NOW, {"done": token_out("sts.federated", NOW, NOW + 3599)}),
        ])
        imp_url = f"{IAM}/v1/projects/-/serviceAccounts/{TARGET}:generateAccessToken"
        imp = {**flow, "external_account": self.external_account(
            service_account_impersonation_url=imp_url, quota_project_id="quota-proj",
            service_account_impersonation={"token_lifetime_seconds": 1800})}
        self.add("STS then service-account impersonation", imp, [
            step(NOW, request, respond=respond(200, sts_ok)),
            step(NOW, send("POST", imp_url, [["Authorization", "Bearer sts.federated"],
                                             ["x-goog-user-project", "quota-proj"], JSON_CT],
                           body_json({"delegates": [], "scope": [CLOUD], "lifetime": "1800s"})),
                 respond=respond(200, {"accessToken": "ya29.federated", "expireTime": rfc3339(NOW + 1800)})),
            step(NOW, {"done": token_out("ya29.federated", NOW, NOW + 1800)}),
        ])
        workforce = "//iam.googleapis.com/locations/global/workforcePools/staff/providers/okta"
        self.add("STS for a workforce pool with a user project",
                 {**flow, "external_account": self.external_account(audience=workforce,
                                                                     workforce_pool_user_project="user-proj")}, [
                     step(NOW, self.sts_request(workforce, CLOUD, extra=[("options", '{"userProject":"user-proj"}')]),
                          respond=respond(200, sts_ok)),
                     step(NOW, {"done": token_out("sts.federated", NOW, NOW + 3599)}),
                 ])
        self.add("STS with client authentication",
                 {**flow, "external_account": self.external_account(client_id="client-1", client_secret="s3cr3t")}, [
                     step(NOW, self.sts_request(workload, CLOUD, headers=[["Authorization",
                                                                          basic("client-1", "s3cr3t")]]),
                          respond=respond(200, sts_ok)),
                     step(NOW, {"done": token_out("sts.federated", NOW, NOW + 3599)}),
                 ])
        self.add("STS refuses the subject token", flow, [
            step(NOW, request, respond=respond(400, {"error": "invalid_grant", "error_description":
                                                     "The audience in ID Token does not match the expected audience."})),
            step(NOW, error("credential_rejected", status=400, provider_code="invalid_grant")),
        ])
        self.add("STS answers in google.rpc.Status form", flow, [
            step(NOW, request, respond=respond(403, {"error": {"code": 403, "message": "denied",
                                                               "status": "PERMISSION_DENIED"}})),
            step(NOW, error("permission_denied", provider_code="PERMISSION_DENIED")),
        ])
        self.add("workforce_pool_user_project on a workload pool",
                 {**flow, "external_account": self.external_account(workforce_pool_user_project="p")},
                 construct_error="invalid_key")
        self.add("impersonation URL that is not generateAccessToken",
                 {**flow, "external_account": self.external_account(
                     service_account_impersonation_url=f"{IAM}/v1/projects/-/serviceAccounts/{TARGET}:signBlob")},
                 construct_error="invalid_key")
        self.add("external_account without credential_source",
                 {**flow, "external_account": self.external_account(credential_source=None)},
                 construct_error="invalid_key")
        self.add("empty subject token", {**flow, "subject_token": ""}, construct_error="invalid_argument")

    # ------------------------------------------------------------ IBM

    def ibm(self):
        # Seed 002's sample answer, at a clock 1 hour before its expiration.
        issued = 1473188353 - 3600
        seed = {"access_token": "eyJhbGciOiJIUz......sgrKIi8hdFs", "refresh_token": "SPrXw5tBE3......KBQ+luWQVY=",
                "token_type": "Bearer", "expires_in": 3600, "expiration": 1473188353}
        url = "https://iam.cloud.ibm.com/identity/token"
        headers = [["Accept", "application/json"], FORM]
        api_body = form([("grant_type", "urn:ibm:params:oauth:grant-type:apikey"), ("apikey", "MY_APIKEY"),
                         ("response_type", "cloud_iam")])
        flow = {"kind": "ibm_api_key", "secret": "MY_APIKEY"}
        request = send("POST", url, headers, api_body)
        self.ibm_request = request
        done = {"done": token_out(seed["access_token"], issued, 1473188353, refresh=seed["refresh_token"])}
        self.add("IBM API-key grant (seed 002)", flow, [
            step(issued, request, respond=respond(200, seed)),
            step(issued, done),
        ])
        self.add("IBM answer with ims_user_id, scope and no refresh support", flow, [
            step(issued, request, respond=respond(200, {**seed, "refresh_token": "not_supported",
                                                        "ims_user_id": 11890, "scope": "ibm openid"})),
            step(issued, {"done": token_out(seed["access_token"], issued, 1473188353, scope="ibm openid")}),
        ])
        self.add("IBM with a client id and secret, and a scope",
                 {**flow, "client": {"id": "bx", "secret": "bx"}, "scopes": ["ibm", "openid"]}, [
                     step(issued, send("POST", url, [["Accept", "application/json"], ["Authorization", basic("bx", "bx")],
                                                     FORM], form([("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
                                                                  ("apikey", "MY_APIKEY"), ("response_type", "cloud_iam"),
                                                                  ("scope", "ibm openid")])),
                          respond=respond(200, seed)),
                     step(issued, done),
                 ])
        self.add("IBM refresh-token grant", {"kind": "ibm_refresh", "secret": seed["refresh_token"]}, [
            step(issued, send("POST", url, headers, form([("grant_type", "refresh_token"),
                                                          ("refresh_token", seed["refresh_token"]),
                                                          ("response_type", "cloud_iam")])),
                 respond=respond(200, seed)),
            step(issued, done),
        ])
        self.add("IBM at another endpoint", {**flow, "endpoint": "http://127.0.0.1:8080"}, [
            step(issued, send("POST", "http://127.0.0.1:8080/identity/token", headers, api_body),
                 respond=respond(200, seed)),
            step(issued, done),
        ])
        self.add("IBM unknown API key", flow, [
            step(issued, request, respond=respond(400, {"errorCode": "BXNIM0415E", "errorMessage":
                                                        "Provided API key could not be found.",
                                                        "context": {"requestId": "abc-123",
                                                                    "requestType": "incoming.Identity_Token"}})),
            step(issued, error("credential_rejected", status=400, provider_code="BXNIM0415E", retryable=False)),
        ])
        self.add("IBM rate limit", {**flow, "retry": {"max_attempts": 1, "initial_delay_secs": 1,
                                                      "max_delay_secs": 1, "max_retry_after_secs": 60}}, [
            step(issued, request, respond=respond(429, {"errorCode": "BXNIM0436E",
                                                        "errorMessage": "Too many requests"},
                                                  [["Retry-After", "30"]])),
            step(issued, error("rate_limited", status=429, retry_after=30, retryable=True)),
        ])
        for label, body in [
            ("expiration missing", {k: v for k, v in seed.items() if k != "expiration"}),
            ("expiration before the request", {**seed, "expiration": issued - 1}),
            ("token_type missing", {k: v for k, v in seed.items() if k != "token_type"}),
            ("expires_in is a float", {**seed, "expires_in": 3600.5}),
        ]:
            self.add(f"IBM malformed answer: {label}", flow, [
                step(issued, request, respond=respond(200, body)),
                step(issued, error("invalid_response", status=200)),
            ])
        self.add("IBM API key with whitespace", {**flow, "secret": "MY APIKEY"}, construct_error="invalid_argument")
        self.add("IBM empty API key", {**flow, "secret": ""}, construct_error="invalid_argument")

    # ------------------------------------------------------------ OAuth client credentials

    def client_credentials(self):
        endpoint = "https://api.k0rdent.ai/oauth2/token"
        flow = {"kind": "client_credentials", "token_endpoint": endpoint, "client_id": "cred-001",
                "client_secret": "s3cr3t value"}
        ok = {"access_token": "k0.token", "token_type": "Bearer", "expires_in": 900}
        self.add("client credentials with HTTP Basic", {**flow, "scopes": ["iam.read"]}, [
            step(NOW, send("POST", endpoint, [["Accept", "application/json"],
                                              ["Authorization", basic("cred-001", "s3cr3t value")], FORM],
                           form([("grant_type", "client_credentials"), ("scope", "iam.read")])),
                 respond=respond(200, ok)),
            step(NOW, {"done": token_out("k0.token", NOW, NOW + 900)}),
        ])
        self.add("client credentials in the form body", {**flow, "auth": "form"}, [
            step(NOW, send("POST", endpoint, [["Accept", "application/json"], FORM],
                           form([("grant_type", "client_credentials"), ("client_id", "cred-001"),
                                 ("client_secret", "s3cr3t value")])),
                 respond=respond(401, {"error": "invalid_client"})),
            step(NOW, error("credential_rejected", status=401, provider_code="invalid_client")),
        ])
        self.add("client credentials with an empty secret", {**flow, "client_secret": ""},
                 construct_error="invalid_argument")

    # ------------------------------------------------------------ k0rdent

    def k0rdent(self):
        base = "https://api.k0rdent.ai"
        path = f"{base}/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials"
        bearer = {"token": "admin-token", "obtained_at": NOW - 10, "expires_at": NOW + 3600}
        headers = [["Authorization", "Bearer admin-token"], ["Accept", "application/json"]]
        flow = {"kind": "k0rdent_pages", "endpoint": base, "service_account_id": "sa-pipeline-prod",
                "bearer": bearer}

        def item(n, status="active", last_used=True):
            record = {"selfLink": f"/v1/iam/service-accounts/sa-pipeline-prod/credentials/cred-{n:03}",
                      "uid": f"07cc67f4-45d6-494b-adac-09b5cbc7e2{n:02}", "id": f"cred-{n:03}",
                      "serviceAccountId": "sa-pipeline-prod", "status": status, "expiresAt": "2019-08-24T14:15:22Z",
                      "createdBy": "user-admin-001", "createdAt": "2019-08-24T14:15:22Z",
                      "lastUsedAt": "2019-08-24T14:15:22Z" if last_used else None,
                      "lastUsedIp": "203.0.113.42" if last_used else None}
            return record

        def out(record):
            t = 1566656122
            return {"id": record["id"], "service_account_id": record["serviceAccountId"], "status": record["status"],
                    "uid": record["uid"], "self_link": record["selfLink"], "expires_at": t,
                    "created_by": "user-admin-001", "created_at": t,
                    "last_used_at": t if record["lastUsedAt"] else None, "last_used_ip": record["lastUsedIp"]}

        def page(records, token=None, total=None):
            return {"credentials": [out(r) for r in records], "next_page_token": token, "total": total}

        def url(**params):
            return path + "?" + query(list(params.items()))

        a, b, c = item(1), item(2, last_used=False), item(3, "expired")
        self.add("k0rdent: cursor pagination over two pages", flow, [
            step(NOW, send("GET", url(pageSize=50), headers),
                 respond=respond(200, {"credentials": [a, b], "nextPageToken": "page-2 token/="})),
            step(NOW, {"done": page([a, b], "page-2 token/=")}),
            step(NOW, send("GET", url(pageSize=50, pageToken="page-2 token/="), headers),
                 respond=respond(200, {"credentials": [c], "nextPageToken": ""})),
            step(NOW, {"done": page([c])}),
            step(NOW, {"done": None}),
        ])
        seed_page = {"credentials": [{"selfLink": "/v1/iam/service-accounts/sa-pipeline-prod/credentials/cred-001",
                                      "uid": "07cc67f4-45d6-494b-adac-09b5cbc7e2b5", "id": "cred-001",
                                      "serviceAccountId": "sa-pipeline-prod", "status": "active",
                                      "expiresAt": "2019-08-24T14:15:22Z", "createdBy": "user-admin-001",
                                      "createdAt": "2019-08-24T14:15:22Z", "lastUsedAt": "2019-08-24T14:15:22Z",
                                      "lastUsedIp": "203.0.113.42"}],
                     "nextPageToken": "string", "total": 0}
        seed_out = {**out(item(1)), "uid": "07cc67f4-45d6-494b-adac-09b5cbc7e2b5"}
        self.add("k0rdent: seed 003's sample page, status filter, page size", {**flow, "status": "active",
                                                                                "page_size": 500}, [
            step(NOW, send("GET", url(status="active", pageSize=500), headers), respond=respond(200, seed_page)),
            step(NOW, {"done": {"credentials": [seed_out], "next_page_token": "string", "total": 0}}),
            step(NOW, send("GET", url(status="active", pageSize=500, pageToken="string"), headers),
                 respond=respond(200, {"credentials": []})),
            step(NOW, {"done": page([])}),
            step(NOW, {"done": None}),
        ])
        self.add("k0rdent: offset pagination with total", {**flow, "page_size": 2, "offset": 0, "status": "expired"}, [
            step(NOW, send("GET", url(status="expired", pageSize=2, offset=0), headers),
                 respond=respond(200, {"credentials": [a, b], "total": 3})),
            step(NOW, {"done": page([a, b], total=3)}),
            step(NOW, send("GET", url(status="expired", pageSize=2, offset=2), headers),
                 respond=respond(200, {"credentials": [c], "total": 3})),
            step(NOW, {"done": page([c], total=3)}),
            step(NOW, {"done": None}),
        ])
        self.add("k0rdent: resuming from a page token", {**flow, "page_token": "resume-here"}, [
            step(NOW, send("GET", url(pageSize=50, pageToken="resume-here"), headers),
                 respond=respond(200, {"credentials": [c]})),
            step(NOW, {"done": page([c])}),
            step(NOW, {"done": None}),
        ])
        self.add("k0rdent: a repeated cursor is refused", flow, [
            step(NOW, send("GET", url(pageSize=50), headers),
                 respond=respond(200, {"credentials": [a], "nextPageToken": "t2"})),
            step(NOW, {"done": page([a], "t2")}),
            step(NOW, send("GET", url(pageSize=50, pageToken="t2"), headers),
                 respond=respond(200, {"credentials": [b], "nextPageToken": "t2"})),
            step(NOW, error("invalid_response")),
        ])
        self.add("k0rdent: only tenant administrators may list", flow, [
            step(NOW, send("GET", url(pageSize=50), headers),
                 respond=respond(403, {"error": {"code": 403, "message": "Only tenant administrators may list "
                                                 "credentials", "details": []}})),
            step(NOW, error("permission_denied", status=403, retryable=False)),
        ])
        self.add("k0rdent: a client secret in a list is refused", flow, [
            step(NOW, send("GET", url(pageSize=50), headers),
                 respond=respond(200, {"credentials": [{**a, "client_secret": "leaked"}]})),
            step(NOW, error("invalid_response", status=200)),
        ])
        self.add("k0rdent: a timestamp that is not RFC 3339", flow, [
            step(NOW, send("GET", url(pageSize=50), headers),
                 respond=respond(200, {"credentials": [{**a, "createdAt": "yesterday"}]})),
            step(NOW, error("invalid_response", status=200)),
        ])
        self.add("k0rdent: credentials missing", flow, [
            step(NOW, send("GET", url(pageSize=50), headers), respond=respond(200, {"total": 0})),
            step(NOW, error("invalid_response", status=200)),
        ])
        self.add("k0rdent: page size 0", {**flow, "page_size": 0}, construct_error="invalid_argument")
        self.add("k0rdent: page size 501", {**flow, "page_size": 501}, construct_error="invalid_argument")
        self.add("k0rdent: pageToken and offset together", {**flow, "page_token": "t", "offset": 5},
                 construct_error="invalid_argument")
        self.add("k0rdent: account id with a slash", {**flow, "service_account_id": "a/b"},
                 construct_error="invalid_argument")

    # ------------------------------------------------------------ AWS sources

    def aws(self):
        import crosscheck

        imds = "http://169.254.169.254/latest"
        source = {"environment_id": "aws1", "region_url": f"{imds}/meta-data/placement/availability-zone",
                  "url": f"{imds}/meta-data/iam/security-credentials",
                  "regional_cred_verification_url": "https://sts.{region}.amazonaws.com"
                                                    "?Action=GetCallerIdentity&Version=2011-06-15",
                  "imdsv2_session_token_url": f"{imds}/api/token"}
        audience = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/aws/providers/aws"
        account = self.external_account(audience=audience, credential_source=source,
                                        subject_token_type="urn:ietf:params:aws:token-type:aws4_request")
        creds = {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                 "session_token": "IQoJb3JpZ2luX2VjEIz//////////wEaCXVzLWVhc3QtMiJGMEQCIH+session"}
        signed_at = 1597128922  # 2020-08-11T06:55:22Z
        for label, c in [("with a session token", creds),
                         ("without a session token", {k: v for k, v in creds.items() if k != "session_token"})]:
            expected = crosscheck.aws_subject_token(audience, c, "us-east-2", signed_at)
            self.add(f"AWS subject token {label} (byte-identical to google-auth)",
                     {"kind": "aws_subject_token", "external_account": account, "credentials": c,
                      "region": "us-east-2", "now": signed_at},
                     [step(signed_at, {"done": {"token": expected}})])
        self.add("AWS subject token with a bad region",
                 {"kind": "aws_subject_token", "external_account": account, "credentials": creds,
                  "region": "US East", "now": signed_at}, [step(signed_at, error("invalid_argument"))])
        token = crosscheck.aws_subject_token(audience, creds, "us-east-2", signed_at)
        sts_ok = {"access_token": "sts.aws", "token_type": "Bearer", "expires_in": 3599}
        fields = [("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("audience", audience),
                  ("scope", CLOUD), ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                  ("subject_token", token), ("subject_token_type", "urn:ietf:params:aws:token-type:aws4_request")]
        self.add("STS exchange of an AWS subject token", {"kind": "sts", "external_account": account,
                                                          "subject_token": token}, [
            step(NOW, send("POST", "https://sts.googleapis.com/v1/token", [FORM], form(fields)),
                 respond=respond(200, sts_ok)),
            step(NOW, {"done": token_out("sts.aws", NOW, NOW + 3599)}),
        ])
        metadata = {"Code": "Success", "LastUpdated": "2020-08-11T06:50:00Z", "Type": "AWS-HMAC",
                    "AccessKeyId": "ASIAMETADATAEXAMPLE", "SecretAccessKey": "metadata/secret",
                    "Token": "metadata-session-token", "Expiration": "2020-08-11T12:55:22Z"}
        session = [["X-aws-ec2-metadata-token", "imds-session-token"]]
        imds_session = step(NOW, send("PUT", f"{imds}/api/token", [["X-aws-ec2-metadata-token-ttl-seconds", "21600"]]),
                            respond=respond(200, "imds-session-token"))
        self.add("AWS metadata server: IMDSv2 token, region, role, credentials",
                 {"kind": "aws_metadata", "external_account": account}, [
                     imds_session,
                     step(NOW, send("GET", f"{imds}/meta-data/placement/availability-zone", session),
                          respond=respond(200, "us-east-2b")),
                     step(NOW, send("GET", f"{imds}/meta-data/iam/security-credentials", session),
                          respond=respond(200, "credmint-role\n")),
                     step(NOW, send("GET", f"{imds}/meta-data/iam/security-credentials/credmint-role", session),
                          respond=respond(200, metadata)),
                     step(NOW, {"done": {"region": "us-east-2", "access_key_id": "ASIAMETADATAEXAMPLE"}}),
                 ])
        self.add("AWS metadata server: region from the environment",
                 {"kind": "aws_metadata", "external_account": account, "region": "eu-west-1"}, [
                     imds_session,
                     step(NOW, send("GET", f"{imds}/meta-data/iam/security-credentials", session),
                          respond=respond(200, "credmint-role")),
                     step(NOW, send("GET", f"{imds}/meta-data/iam/security-credentials/credmint-role", session),
                          respond=respond(200, {**metadata, "Token": None})),
                     step(NOW, {"done": {"region": "eu-west-1", "access_key_id": "ASIAMETADATAEXAMPLE"}}),
                 ])
        self.add("AWS metadata server: nothing to fetch",
                 {"kind": "aws_metadata", "external_account": account, "region": "eu-west-1", "credentials": creds}, [
                     step(NOW, {"done": {"region": "eu-west-1", "access_key_id": "AKIAIOSFODNN7EXAMPLE"}}),
                 ])
        self.add("AWS metadata server: credentials answer without a secret",
                 {"kind": "aws_metadata", "external_account": account, "region": "eu-west-1"}, [
                     imds_session,
                     step(NOW, send("GET", f"{imds}/meta-data/iam/security-credentials", session),
                          respond=respond(200, "credmint-role")),
                     step(NOW, send("GET", f"{imds}/meta-data/iam/security-credentials/credmint-role", session),
                          respond=respond(200, {"AccessKeyId": "x"})),
                     step(NOW, error("invalid_response")),
                 ])
        self.add("AWS environment version 2", {"kind": "sts", "subject_token": "x", "external_account":
                 self.external_account(credential_source={**source, "environment_id": "aws2"})},
                 construct_error="unsupported_key")

    # ------------------------------------------------------------ credential sources

    def sourcing(self):
        """An external_account document's whole conversation: the host reads the
        file, the variable or runs the command the core names (Google's rules,
        as google-auth's identity_pool.py and pluggable.py apply them), then STS."""
        import crosscheck

        workload = ("//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/"
                    "providers/gh")
        jwt_type = "urn:ietf:params:oauth:token-type:jwt"
        sts_ok = {"access_token": "sts.sourced", "token_type": "Bearer", "expires_in": 3599}
        most = 1024 * 1024 + 1  # MAX_RESPONSE_BODY and one byte more: an oversized source is refused

        def flow(source, **changes):
            return {"kind": "external_account", "external_account": self.external_account(
                credential_source=source, **changes)}

        def exchanged(subject, now=NOW):
            return [step(now, self.sts_request(workload, CLOUD, subject=subject), respond=respond(200, sts_ok)),
                    step(now, {"done": token_out("sts.sourced", now, now + 3599)})]

        def read(path, answer):
            return step(NOW, {"read_file": {"path": path, "max_bytes": most}}, host=answer)

        token_file = "/var/run/secrets/token"
        self.add("credential source: a text file, read by the host", flow({"file": token_file}), [
            read(token_file, {"file": "eyJ.file.token\n"}), *exchanged("eyJ.file.token")])
        self.add("credential source: a JSON file's member",
                 flow({"file": token_file, "format": {"type": "json", "subject_token_field_name": "id_token"}}), [
                     read(token_file, {"file": json.dumps({"id_token": "eyJ.json.token"})}),
                     *exchanged("eyJ.json.token")])
        self.add("credential source: a missing file is credentials_not_found", flow({"file": token_file}), [
            read(token_file, {"missing": True}), step(NOW, error("credentials_not_found"))])
        self.add("credential source: an unreadable file", flow({"file": token_file}), [
            read(token_file, {"unreadable": "Permission denied"}), step(NOW, error("credentials_not_found"))])
        url = "http://169.254.169.254/metadata/identity/oauth2/token?resource=api"
        self.add("credential source: a URL with the file's headers",
                 flow({"url": url, "headers": {"Metadata": "true"},
                       "format": {"type": "json", "subject_token_field_name": "access_token"}}), [
                     step(NOW, send("GET", url, [["Metadata", "true"]]),
                          respond=respond(200, {"access_token": "eyJ.url.token"})),
                     *exchanged("eyJ.url.token")])

        command = "/usr/local/bin/token-helper --audience pool"
        output_file = "/tmp/token-helper.json"
        executable = {"executable": {"command": command, "timeout_millis": 5000, "output_file": output_file}}
        allow = "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES"
        run = {"run": {"program": "/usr/local/bin/token-helper", "args": ["--audience", "pool"],
                       "timeout_millis": 5000,
                       "env": [["GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE", workload],
                               ["GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE", jwt_type],
                               ["GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE", "0"],
                               ["GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE", output_file]]}}

        def output(expiration, token="eyJ.exe.token"):
            return json.dumps({"version": 1, "success": True, "token_type": jwt_type, "id_token": token,
                               "expiration_time": expiration})

        opt_in = step(NOW, {"read_env": allow}, host={"env": "1"})
        self.add("credential source: an executable needs the opt-in variable", flow(executable), [
            step(NOW, {"read_env": allow}, host={"env": None}), step(NOW, error("invalid_argument"))])
        self.add("credential source: an executable's valid output file spares the run", flow(executable), [
            opt_in, read(output_file, {"file": output(NOW + 600, "eyJ.cached.token")}),
            *exchanged("eyJ.cached.token")])
        self.add("credential source: an expired output file, then the command", flow(executable), [
            opt_in, read(output_file, {"file": output(NOW - 1, "eyJ.stale.token")}),
            step(NOW, run, host={"exited": {"status": 0, "stdout": output(NOW + 600)}}),
            *exchanged("eyJ.exe.token")])
        self.add("credential source: a command that exits with status 1", flow(executable), [
            opt_in, read(output_file, {"missing": True}),
            step(NOW, run, host={"exited": {"status": 1, "stdout": ""}}), step(NOW, error("invalid_argument"))])
        self.add("credential source: a command killed at its time limit", flow(executable), [
            opt_in, read(output_file, {"missing": True}),
            step(NOW, run, host={"timed_out": True}), step(NOW, error("invalid_argument"))])

        source = {"environment_id": "aws1",
                  "region_url": "http://169.254.169.254/latest/meta-data/placement/availability-zone",
                  "url": "http://169.254.169.254/latest/meta-data/iam/security-credentials",
                  "regional_cred_verification_url": "https://sts.{region}.amazonaws.com"
                                                    "?Action=GetCallerIdentity&Version=2011-06-15"}
        audience = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/aws/providers/aws"
        aws_type = "urn:ietf:params:aws:token-type:aws4_request"
        creds = {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
        token = crosscheck.aws_subject_token(audience, creds, "eu-west-1", NOW)
        variables = [("AWS_REGION", None), ("AWS_DEFAULT_REGION", "eu-west-1"),
                     ("AWS_ACCESS_KEY_ID", creds["access_key_id"]),
                     ("AWS_SECRET_ACCESS_KEY", creds["secret_access_key"]), ("AWS_SESSION_TOKEN", None)]
        fields = [("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("audience", audience),
                  ("scope", CLOUD), ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                  ("subject_token", token), ("subject_token_type", aws_type)]
        self.add("credential source: AWS credentials and region from the environment",
                 flow(source, audience=audience, subject_token_type=aws_type), [
                     *[step(NOW, {"read_env": name}, host={"env": value}) for name, value in variables],
                     step(NOW, send("POST", "https://sts.googleapis.com/v1/token", [FORM], form(fields)),
                          respond=respond(200, sts_ok)),
                     step(NOW, {"done": token_out("sts.sourced", NOW, NOW + 3599)})])

    # ------------------------------------------------------------ ready verifiers

    def token_verifier(self):
        """When a ready verifier fetches its keys: freshness from Cache-Control
        (max-age minus Age), Expires (minus Date, or minus the fetch time),
        clamped to [30 s, 24 h], 600 s when the server says nothing; an
        unknown kid refetches once the 30 s cooldown has passed; a failing
        endpoint leaves the last good keys in use for an hour past expiry."""
        url = "https://www.googleapis.com/oauth2/v3/certs"
        fetch = send("GET", url, [["Accept", "application/json, application/jwk-set+json"]], timeout_millis=5000)
        audience = "https://svc.example"
        jwks = json.dumps({"keys": [jwk(self.K.sa, SA_KEY_ID)]})
        rotated_jwks = json.dumps({"keys": [jwk(self.K.sa, SA_KEY_ID), jwk(self.K.other, "rotated")]})

        def claims(at):
            return {"iss": "https://accounts.google.com", "aud": audience, "sub": "110", "iat": at, "exp": at + 3600}

        def token(at, kid=SA_KEY_ID, key=None):
            return jwt(key or self.K.sa, kid, claims(at))

        def keys(headers=None, body=jwks, status=200):
            return respond(status, body, headers)

        def case(name, plan, steps):
            """`plan`: (time, token) per verification; `steps` ends with the results."""
            self.add(name, {"kind": "token_verifier", "preset": "google_id_token",
                            "options": {"audience": audience},
                            "verifications": [{"at": at, "token": tok} for at, tok in plan]}, steps)

        def ok(at):
            return {"claims": claims(at)}

        def done(at, *results):
            return step(at, {"done": {"results": list(results)}})

        def freshness(name, headers, ttl):
            # Fetched at NOW; still fresh one second before NOW + ttl; refetched at NOW + ttl.
            t1, t2 = NOW + ttl - 1, NOW + ttl
            case(f"key set freshness: {name}", [(NOW, token(NOW)), (t1, token(t1)), (t2, token(t2))], [
                step(NOW, fetch, respond=keys(headers)),
                step(NOW, {"wait": t1}),
                step(t1, {"wait": t2}),
                step(t2, fetch, respond=keys(headers)),
                done(t2, ok(NOW), ok(t1), ok(t2)),
            ])

        freshness("max-age minus Age", [["Cache-Control", "public, max-age=20000, must-revalidate"], ["Age", "1200"]],
                  18800)
        freshness("max-age without Age", [["Cache-Control", "max-age=3600"]], 3600)
        freshness("no caching headers: 10 minutes", [], 600)
        freshness("no-cache: the 30 s minimum", [["Cache-Control", "no-cache"]], 30)
        freshness("max-age under the minimum", [["Cache-Control", "max-age=5"]], 30)
        freshness("Age beyond max-age", [["Cache-Control", "max-age=100"], ["Age", "500"]], 30)
        freshness("max-age over a day is clamped", [["Cache-Control", "public, max-age=200000"]], 86400)
        freshness("Expires minus Date", [["Date", "Tue, 14 Nov 2023 22:13:20 GMT"],
                                         ["Expires", "Tue, 14 Nov 2023 22:18:20 GMT"]], 300)
        freshness("Expires without Date: minus the fetch time", [["Expires", "Tue, 14 Nov 2023 22:23:20 GMT"]], 600)
        freshness("unparseable Expires means expired", [["Expires", "0"]], 30)
        freshness("max-age wins over Expires", [["Cache-Control", "max-age=1000"],
                                                ["Expires", "Tue, 14 Nov 2023 22:18:20 GMT"]], 1000)

        # An unknown kid: refused inside the cooldown without a fetch, refetched after it.
        case("key set: an unknown kid refetches once the cooldown has passed",
             [(NOW, token(NOW)), (NOW + 10, token(NOW + 10, "rotated", self.K.other)),
              (NOW + 30, token(NOW + 30, "rotated", self.K.other)), (NOW + 31, token(NOW + 31))], [
                 step(NOW, fetch, respond=keys([["Cache-Control", "max-age=3600"]])),
                 step(NOW, {"wait": NOW + 10}),
                 step(NOW + 10, {"wait": NOW + 30}),
                 step(NOW + 30, fetch, respond=keys([["Cache-Control", "max-age=3600"]], rotated_jwks)),
                 step(NOW + 30, {"wait": NOW + 31}),
                 done(NOW + 31, ok(NOW), {"error": "key_not_found"}, ok(NOW + 30), ok(NOW + 31)),
             ])

        # The endpoint fails: stale keys verify for an hour past expiry, with one attempt per cooldown.
        failing = respond(503, "<html>unavailable</html>", [["Content-Type", "text/html"]])
        late = NOW + 600 + 3600
        case("key set: a failing endpoint leaves the last good keys in use, then its error",
             [(NOW, token(NOW)), (NOW + 600, token(NOW + 600)), (NOW + 610, token(NOW + 610)),
              (NOW + 631, token(NOW + 631)), (late, token(late))], [
                 step(NOW, fetch, respond=keys()),
                 step(NOW, {"wait": NOW + 600}),
                 step(NOW + 600, fetch, respond=failing),
                 step(NOW + 600, {"wait": NOW + 610}),
                 step(NOW + 610, {"wait": NOW + 631}),
                 step(NOW + 631, fetch, respond=failing),
                 step(NOW + 631, {"wait": late}),
                 step(late, fetch, respond=failing),
                 done(late, ok(NOW), ok(NOW + 600), ok(NOW + 610), ok(NOW + 631), {"error": "server_error"}),
             ])

        # Bad answers cache nothing: HTML, an empty set, a redirect; the next try waits for the cooldown.
        for name, bad_answer, code in [
            ("an HTML page", respond(200, "<html>hi</html>", [["Content-Type", "text/html"]]), "invalid_response"),
            ("an empty key set", respond(200, '{"keys":[]}'), "invalid_response"),
            ("a redirect", respond(302, "", [["Location", "https://attacker.example/jwks"]]), "invalid_response"),
        ]:
            case(f"key set: {name} caches nothing",
                 [(NOW, token(NOW)), (NOW + 10, token(NOW + 10)), (NOW + 30, token(NOW + 30))], [
                     step(NOW, fetch, respond=bad_answer),
                     step(NOW, {"wait": NOW + 10}),
                     step(NOW + 10, {"wait": NOW + 30}),
                     step(NOW + 30, fetch, respond=keys()),
                     done(NOW + 30, {"error": code}, {"error": code}, ok(NOW + 30)),
                 ])

    def build(self):
        self.token_verifier()
        self.google_token_endpoint()
        self.iam()
        self.sts()
        self.aws()
        self.sourcing()
        self.ibm()
        self.client_credentials()
        self.k0rdent()
        return self.cases


def cache_vectors():
    cases = []

    def add(name, policy, max_jitter, seed, ops):
        cases.append({"name": name, "policy": policy, "max_jitter_secs": max_jitter, "jitter_seed": seed,
                      "ops": ops})

    def get(now, expect):
        return {"op": "get", "now": now, "expect": expect}

    jitter = Jitter(11)
    j = jitter.below(16)
    refresh = NOW + 3600 - 225 - j
    add("google policy: single flight, background refresh, jitter", "google", 15, 11, [
        get(NOW, "must_refresh"),
        get(NOW + 1, "wait_for_refresh"),
        {"op": "complete", "obtained_at": NOW, "expires_at": NOW + 3600},
        {"op": "refresh_at", "expect": refresh},
        get(refresh - 1, {"fresh": NOW + 3600}),
        get(refresh, {"refresh_in_background": NOW + 3600}),
        get(refresh + 1, {"fresh": NOW + 3600}),
        {"op": "fail"},
        get(refresh + 2, {"refresh_in_background": NOW + 3600}),
        get(refresh + 3, {"fresh": NOW + 3600}),
        get(NOW + 3600, "must_refresh"),
        get(NOW + 3601, "wait_for_refresh"),
        {"op": "complete", "obtained_at": NOW + 3590, "expires_at": NOW + 7190},
        get(NOW + 3602, {"fresh": NOW + 7190}),
        {"op": "invalidate"},
        get(NOW + 3603, "must_refresh"),
    ])
    add("ibm policy: refresh at 80 %, expired 10 s early", "ibm", 0, 5, [
        get(1473184753, "must_refresh"),
        {"op": "complete", "obtained_at": 1473184753, "expires_at": 1473188353},
        {"op": "refresh_at", "expect": 1473184753 + 2880},
        get(1473184753 + 2879, {"fresh": 1473188353}),
        get(1473184753 + 2880, {"refresh_in_background": 1473188353}),
        {"op": "fail"},
        get(1473188342, {"refresh_in_background": 1473188353}),
        {"op": "fail"},
        get(1473188343, "must_refresh"),
    ])

    def after_wait(now, expect):
        return {"op": "get_after_wait", "now": now, "expect": expect}

    add("waiters share a failed refresh: nobody waits longer than one refresh", "google", 0, 3, [
        get(NOW, "must_refresh"),
        get(NOW + 1, "wait_for_refresh"),
        {"op": "note_generation"},
        {"op": "fail"},
        after_wait(NOW + 60, "refresh_failed"),
        get(NOW + 61, "must_refresh"),
        get(NOW + 62, "wait_for_refresh"),
        {"op": "note_generation"},
        after_wait(NOW + 62, "wait_for_refresh"),
        {"op": "complete", "obtained_at": NOW + 62, "expires_at": NOW + 3662},
        after_wait(NOW + 63, {"fresh": NOW + 3662}),
        get(NOW + 3662 - 225, {"refresh_in_background": NOW + 3662}),
        {"op": "note_generation"},
        {"op": "fail"},
        after_wait(NOW + 3662 - 224, {"refresh_in_background": NOW + 3662}),
    ])
    return cases
