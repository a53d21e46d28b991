"""Cross-checks the vectors' expected requests against the reference client
libraries: google-auth builds the same IAM, STS and JWT-bearer requests, and
IBM's ibm-cloud-sdk-core the same IAM token request. Run by generate.py.
"""

import base64
import datetime
import json
import urllib.parse

import google.auth.impersonated_credentials
import google.oauth2._client
import google.oauth2.credentials
import google.oauth2.sts
import ibm_cloud_sdk_core.token_managers.jwt_token_manager as ibm_jwt
from ibm_cloud_sdk_core.token_managers.iam_token_manager import IAMTokenManager


class Captured(Exception):
    """Raised by the fake transports once the request is captured."""

    def __init__(self, method, url, headers, body):
        super().__init__("captured")
        self.method, self.url, self.headers, self.body = method, url, dict(headers or {}), body


def google_transport(method_default="GET"):
    def request(url, method=method_default, body=None, headers=None, **_):
        raise Captured(method, url, headers, body.decode() if isinstance(body, bytes) else body)
    return request


def capture(call):
    try:
        call()
    except Captured as captured:
        return captured
    raise AssertionError("the library sent no request")


def header(expected, name):
    for key, value in expected["headers"]:
        if key.lower() == name.lower():
            return value
    return None


def check(what, condition, detail=""):
    if not condition:
        raise AssertionError(f"cross-check failed for {what}: {detail}")


def iam_generate_access_token(expected, target, delegate, scopes):
    source = google.oauth2.credentials.Credentials(
        token="ya29.source-token", expiry=datetime.datetime(2100, 1, 1))
    creds = google.auth.impersonated_credentials.Credentials(
        source_credentials=source, target_principal=target, target_scopes=scopes,
        delegates=[f"projects/-/serviceAccounts/{delegate}"], lifetime=3600)
    got = capture(lambda: creds.refresh(google_transport("POST")))
    check("IAM URL", got.url == expected["url"], f"{got.url} != {expected['url']}")
    check("IAM method", got.method == "POST")
    check("IAM body", json.loads(got.body) == json.loads(expected["body"]), got.body)
    check("IAM Authorization", got.headers.get("authorization") == header(expected, "Authorization"),
          str(got.headers))
    check("IAM Content-Type", got.headers.get("Content-Type") == header(expected, "Content-Type"))


def sts_exchange(expected, audience, scopes, subject):
    client = google.oauth2.sts.Client("https://sts.googleapis.com/v1/token")
    got = capture(lambda: client.exchange_token(
        google_transport("POST"), "urn:ietf:params:oauth:grant-type:token-exchange", subject,
        "urn:ietf:params:oauth:token-type:jwt", audience=audience, scopes=scopes,
        requested_token_type="urn:ietf:params:oauth:token-type:access_token"))
    check("STS URL", got.url == expected["url"])
    check("STS body", urllib.parse.parse_qs(got.body) == urllib.parse.parse_qs(expected["body"]),
          f"{got.body} vs {expected['body']}")
    check("STS Content-Type", got.headers.get("Content-Type") == header(expected, "Content-Type"))


def jwt_bearer(expected, token_uri):
    assertion = urllib.parse.parse_qs(expected["body"])["assertion"][0]
    got = capture(lambda: google.oauth2._client.jwt_grant(google_transport("POST"), token_uri, assertion))
    check("JWT-bearer URL", got.url == expected["url"])
    check("JWT-bearer body", urllib.parse.parse_qs(got.body) == urllib.parse.parse_qs(expected["body"]),
          got.body)
    check("JWT-bearer Content-Type", got.headers.get("Content-Type") == header(expected, "Content-Type"))


def ibm_api_key(expected, api_key):
    seen = {}

    def fake_request(method, url, headers=None, params=None, data=None, auth=None, **_):
        seen.update(method=method, url=url, headers=headers, data=data, auth=auth)
        raise Captured(method, url, headers, data)

    original = ibm_jwt.requests.request
    ibm_jwt.requests.request = fake_request
    try:
        capture(lambda: IAMTokenManager(api_key).request_token())
    finally:
        ibm_jwt.requests.request = original
    body = urllib.parse.urlencode(seen["data"])
    check("IBM URL", seen["url"] == expected["url"], seen["url"])
    check("IBM body", body == expected["body"], f"{body} != {expected['body']}")
    for name in ("Content-Type", "Accept"):
        check(f"IBM {name}", seen["headers"][name] == header(expected, name))
    check("IBM auth", seen["auth"] is None)


def basic_auth_matches_requests(client_id, secret, expected_header):
    raw = base64.b64encode(f"{client_id}:{secret}".encode("latin1")).decode()
    check("Basic auth", expected_header == "Basic " + raw, expected_header)


def capture_requests_session(call):
    """Captures what google-auth's AuthorizedSession (requests) would send."""
    import requests

    original = requests.Session.request

    def fake(self, method, url, data=None, headers=None, json=None, **_):
        body = json_module.dumps(json) if json is not None else data
        raise Captured(method, url, headers, body.decode() if isinstance(body, bytes) else body)

    requests.Session.request = fake
    try:
        return capture(call)
    finally:
        requests.Session.request = original


json_module = json


def impersonated(target, delegate=None):
    source = google.oauth2.credentials.Credentials(token="ya29.source-token", expiry=datetime.datetime(2100, 1, 1))
    delegates = [f"projects/-/serviceAccounts/{delegate}"] if delegate else None
    return google.auth.impersonated_credentials.Credentials(
        source_credentials=source, target_principal=target, target_scopes=["x"], delegates=delegates)


def compare_json_request(what, got, expected):
    check(f"{what} URL", got.url == expected["url"], f"{got.url} != {expected['url']}")
    check(f"{what} method", got.method.upper() == expected["method"])
    body = json.loads(got.body)
    # google-auth sends "delegates": null when there are none; credmint sends [].
    # Both mean an empty repeated field to the API.
    if body.get("delegates", []) is None:
        body["delegates"] = []
    check(f"{what} body", body == json.loads(expected["body"]), f"{got.body} vs {expected['body']}")
    check(f"{what} Authorization", got.headers.get("authorization") == header(expected, "Authorization"),
          str(got.headers))


def iam_sign_blob(expected, target, delegate, payload):
    creds = impersonated(target, delegate)
    got = capture_requests_session(lambda: creds.sign_bytes(payload))
    compare_json_request("IAM signBlob", got, expected)


def iam_generate_id_token(expected, target, audience, include_email):
    creds = google.auth.impersonated_credentials.IDTokenCredentials(
        impersonated(target), target_audience=audience, include_email=include_email)
    got = capture_requests_session(lambda: creds.refresh(None))
    compare_json_request("IAM generateIdToken", got, expected)


def aws_subject_token(audience, credentials, region, signed_at):
    """google-auth's own AWS subject token for these credentials, signed at `signed_at`."""
    from unittest import mock

    from google.auth import aws

    class Supplier(aws.AwsSecurityCredentialsSupplier):
        def get_aws_security_credentials(self, context, request):
            return aws.AwsSecurityCredentials(
                credentials["access_key_id"], credentials["secret_access_key"], credentials.get("session_token"))

        def get_aws_region(self, context, request):
            return region

    creds = aws.Credentials(audience=audience, subject_token_type="urn:ietf:params:aws:token-type:aws4_request",
                            aws_security_credentials_supplier=Supplier())
    when = datetime.datetime.fromtimestamp(signed_at, datetime.timezone.utc).replace(tzinfo=None)
    with mock.patch("google.auth._helpers.utcnow", return_value=when):
        return creds.retrieve_subject_token(None)
