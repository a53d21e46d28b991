"""credentials.json and adc.json: credential documents of every type (valid and
each way of being invalid) with the conversations they start, and Application
Default Credentials decisions (environment + files + metadata answers in,
chosen source or error out).

Written from Google's documented behaviour, not from credmint's output: the
core and every binding must reproduce these exactly."""

import json
from pathlib import Path

KEYS = Path(__file__).resolve().parents[1] / "keys"
NOW = 1700000000
CLOUD = "https://www.googleapis.com/auth/cloud-platform"
TARGET = "target@credmint-vectors.iam.gserviceaccount.com"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
FORM = ["Content-Type", "application/x-www-form-urlencoded"]
JSON_TYPE = ["Content-Type", "application/json"]
FLAVOR = ["Metadata-Flavor", "Google"]
TIMEOUT = 20000
METADATA_TIMEOUT = 10000
IAM = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
META = "http://metadata.google.internal/computeMetadata/v1/"
def _b64(data):
    import base64
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


ID_TOKEN = ".".join([_b64({"alg": "RS256", "typ": "JWT"}),
                     _b64({"aud": "https://svc.example", "exp": NOW + 3600, "iat": NOW, "iss": "https://accounts.google.com"}),
                     "c2ln"])


def key_file():
    return json.loads((KEYS / "sa_2048_pkcs8.json").read_text())


def user():
    return {"type": "authorized_user", "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
            "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty", "refresh_token": "1//0gUSERREFRESH",
            "quota_project_id": "user-quota"}


def token_body(token="ya29.fresh", expires_in=3599):
    return json.dumps({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"})


def access(token, expires_in):
    return {"token": token, "obtained_at": NOW, "expires_at": NOW + expires_in}


def send(url, headers, body=None, method="POST", timeout=TIMEOUT, body_starts_with=None):
    out = {"method": method, "url": url, "headers": headers, "timeout_millis": timeout}
    if body is not None:
        out["body"] = body
    if body_starts_with is not None:
        out["body_starts_with"] = body_starts_with
    return out


def respond(status, body, headers=None):
    return {"status": status, "headers": headers or [], "body": body}


JWT_BEARER_START = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJ"
USER_REFRESH = ("grant_type=refresh_token&client_id=764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com"
                "&client_secret=d-FL95Q19q7MQmFpd7hHD0Ty&refresh_token=1%2F%2F0gUSERREFRESH")


def credential_vectors():
    cases = []

    def case(name, document, expect=None, error=None, options=None, access_steps=None, access_done=None,
             access_error=None, id_audience=None, id_steps=None, id_done=None, id_error=None):
        c = {"name": name, "document": document if isinstance(document, str) else json.dumps(document)}
        if options is not None:
            c["options"] = options
        if error is not None:
            c["error"] = error
        else:
            c["expect"] = expect
            if access_steps is not None or access_error is not None:
                c["access_token"] = {"steps": access_steps or []}
                if access_done is not None:
                    c["access_token"]["done"] = access_done
                if access_error is not None:
                    c["access_token"]["error"] = access_error
            if id_audience is not None:
                c["id_token"] = {"audience": id_audience, "steps": id_steps or []}
                if id_done is not None:
                    c["id_token"]["done"] = id_done
                if id_error is not None:
                    c["id_token"]["error"] = id_error
        cases.append(c)

    sa = key_file()
    sa_expect = {"kind": "service_account", "refresh_policy": "google", "universe_domain": "googleapis.com",
                 "project_id": "credmint-vectors", "quota_project_id": None,
                 "service_account_email": sa["client_email"]}
    case("service_account: JWT-bearer grant at its token_uri", sa, sa_expect,
         access_steps=[{"expect": send(GOOGLE_TOKEN, [FORM], body_starts_with=JWT_BEARER_START),
                        "respond": respond(200, token_body())}],
         access_done=access("ya29.fresh", 3599),
         id_audience="https://svc.example", id_steps=[{"expect": send(GOOGLE_TOKEN, [FORM], body_starts_with=JWT_BEARER_START),
                                                       "respond": respond(200, json.dumps({"id_token": ID_TOKEN}))}],
         id_done={"token": ID_TOKEN, "expires_at": NOW + 3600})
    case("service_account: token_uri override", sa, sa_expect, options={"token_uri": "http://127.0.0.1:8080/token"},
         access_steps=[{"expect": send("http://127.0.0.1:8080/token", [FORM], body_starts_with=JWT_BEARER_START),
                        "respond": respond(200, token_body())}],
         access_done=access("ya29.fresh", 3599))
    case("service_account: the file's quota_project_id is carried", {**sa, "quota_project_id": "key-quota"},
         {**sa_expect, "quota_project_id": "key-quota"})
    case("service_account: the quota_project_id option wins over the file's", {**sa, "quota_project_id": "key-quota"},
         {**sa_expect, "quota_project_id": "option-quota"}, options={"quota_project_id": "option-quota"})
    case("service_account: a file without private_key", {k: v for k, v in sa.items() if k != "private_key"},
         error="invalid_key")

    u = user()
    user_expect = {"kind": "authorized_user", "refresh_policy": "google", "universe_domain": "googleapis.com",
                   "project_id": None, "quota_project_id": "user-quota", "service_account_email": None}
    case("authorized_user: refresh_token grant at Google's token endpoint", u, user_expect,
         access_steps=[{"expect": send(GOOGLE_TOKEN, [FORM], USER_REFRESH), "respond": respond(200, token_body())}],
         access_done=access("ya29.fresh", 3599),
         id_audience="https://svc.example", id_error="not_supported")
    case("authorized_user: its own token_uri, scopes and quota project from options",
         {**u, "token_uri": "https://oauth2.example.test/token"},
         {**user_expect, "quota_project_id": "override-quota"},
         options={"scopes": ["openid", "email"], "quota_project_id": "override-quota"},
         access_steps=[{"expect": send("https://oauth2.example.test/token", [FORM], USER_REFRESH + "&scope=openid+email"),
                        "respond": respond(200, token_body())}],
         access_done=access("ya29.fresh", 3599))
    case("authorized_user: a revoked refresh token is credential_rejected", u, user_expect,
         access_steps=[{"expect": send(GOOGLE_TOKEN, [FORM], USER_REFRESH),
                        "respond": respond(400, json.dumps({"error": "invalid_grant",
                                                            "error_description": "Token has been expired or revoked."}))}],
         access_error="credential_rejected")
    for field in ["client_id", "client_secret", "refresh_token"]:
        case(f"authorized_user: {field} missing", {k: v for k, v in u.items() if k != field}, error="invalid_key")
    case("authorized_user: refresh_token not a string", {**u, "refresh_token": 7}, error="invalid_key")
    case("authorized_user: token_uri over plain http to a remote host", {**u, "token_uri": "http://evil.example/token"},
         error="invalid_key")

    imp_url = IAM + TARGET + ":generateAccessToken"
    imp = {"type": "impersonated_service_account", "service_account_impersonation_url": imp_url,
           "source_credentials": u, "delegates": ["projects/-/serviceAccounts/middle@credmint-vectors.iam.gserviceaccount.com"],
           "quota_project_id": "imp-quota"}
    imp_expect = {"kind": "impersonated_service_account", "refresh_policy": "google", "universe_domain": "googleapis.com",
                  "project_id": None, "quota_project_id": "imp-quota", "service_account_email": TARGET}
    bearer = ["Authorization", "Bearer ya29.source"]
    quota = ["x-goog-user-project", "imp-quota"]
    case("impersonated_service_account: the user's token, then generateAccessToken through the delegate", imp, imp_expect,
         access_steps=[
             {"expect": send(GOOGLE_TOKEN, [FORM], USER_REFRESH), "respond": respond(200, token_body("ya29.source"))},
             {"expect": send(imp_url, [bearer, quota, JSON_TYPE],
                             json.dumps({"delegates": ["projects/-/serviceAccounts/middle@credmint-vectors.iam.gserviceaccount.com"],
                                         "scope": [CLOUD], "lifetime": "3600s"}, separators=(",", ":"))),
              "respond": respond(200, json.dumps({"accessToken": "ya29.target", "expireTime": "2023-11-14T23:13:20Z"}))}],
         access_done={"token": "ya29.target", "obtained_at": NOW, "expires_at": NOW + 3600},
         id_audience="https://svc.example",
         id_steps=[
             {"expect": send(GOOGLE_TOKEN, [FORM], USER_REFRESH), "respond": respond(200, token_body("ya29.source"))},
             {"expect": send(IAM + TARGET + ":generateIdToken", [bearer, quota, JSON_TYPE],
                             json.dumps({"delegates": ["projects/-/serviceAccounts/middle@credmint-vectors.iam.gserviceaccount.com"],
                                         "audience": "https://svc.example", "includeEmail": True}, separators=(",", ":"))),
              "respond": respond(200, json.dumps({"token": ID_TOKEN}))}],
         id_done={"token": ID_TOKEN, "expires_at": NOW + 3600})
    case("impersonated_service_account: a service-account key as the source, lifetime and scopes from options",
         {**imp, "source_credentials": sa, "delegates": []}, {**imp_expect},
         options={"lifetime_secs": 600, "scopes": ["https://www.googleapis.com/auth/devstorage.read_only"]},
         access_steps=[
             {"expect": send(GOOGLE_TOKEN, [FORM], body_starts_with=JWT_BEARER_START),
              "respond": respond(200, token_body("ya29.source"))},
             {"expect": send(imp_url, [bearer, quota, JSON_TYPE],
                             json.dumps({"delegates": [], "scope": ["https://www.googleapis.com/auth/devstorage.read_only"],
                                         "lifetime": "600s"}, separators=(",", ":"))),
              "respond": respond(200, json.dumps({"accessToken": "ya29.target", "expireTime": "2023-11-14T22:23:20Z"}))}],
         access_done={"token": "ya29.target", "obtained_at": NOW, "expires_at": NOW + 600})
    bad_urls = {
        "not generateAccessToken": IAM + TARGET + ":signBlob",
        "not IAM's path": "https://iamcredentials.googleapis.com/v2/" + TARGET + ":generateAccessToken",
        "a project instead of the - wildcard": "https://iamcredentials.googleapis.com/v1/projects/p/serviceAccounts/" + TARGET + ":generateAccessToken",
        "over 256 characters": IAM + "a" * 200 + "@p.iam.gserviceaccount.com:generateAccessToken",
        "plain http": "http://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" + TARGET + ":generateAccessToken",
    }
    for why, url in bad_urls.items():
        case(f"impersonated_service_account: URL {why}", {**imp, "service_account_impersonation_url": url},
             error="invalid_key" if why != "plain http" else "invalid_key")
    case("impersonated_service_account: source_credentials missing",
         {k: v for k, v in imp.items() if k != "source_credentials"}, error="invalid_key")
    case("impersonated_service_account: a broken source names it",
         {**imp, "source_credentials": {"type": "authorized_user", "client_id": "x"}}, error="invalid_key")
    case("impersonated_service_account: a delegate that is not a service account",
         {**imp, "delegates": ["not an account"]}, error="invalid_key")

    wf = {"type": "external_account_authorized_user",
          "audience": "//iam.googleapis.com/locations/global/workforcePools/pool/providers/oidc",
          "refresh_token": "wf-refresh", "token_url": "https://sts.googleapis.com/v1/oauthtoken",
          "token_info_url": "https://sts.googleapis.com/v1/introspect", "client_id": "wf-client",
          "client_secret": "wf-secret", "revoke_url": "https://sts.googleapis.com/v1/revoke",
          "universe_domain": "googleapis.com"}
    basic = ["Authorization", "Basic d2YtY2xpZW50OndmLXNlY3JldA=="]
    case("external_account_authorized_user: STS oauthtoken with HTTP Basic client auth", wf,
         {"kind": "external_account_authorized_user", "refresh_policy": "google", "universe_domain": "googleapis.com",
          "project_id": None, "quota_project_id": None, "service_account_email": None},
         access_steps=[{"expect": send("https://sts.googleapis.com/v1/oauthtoken", [basic, FORM],
                                       "grant_type=refresh_token&refresh_token=wf-refresh"),
                        "respond": respond(200, token_body("ya29.wf", 3600))}],
         access_done=access("ya29.wf", 3600), id_audience="https://svc.example", id_error="not_supported")
    case("external_account_authorized_user: refresh_token missing",
         {k: v for k, v in wf.items() if k != "refresh_token"}, error="invalid_key")

    meta_expect = {"kind": "gce_metadata", "refresh_policy": "metadata", "universe_domain": "googleapis.com",
                   "project_id": None, "quota_project_id": None, "service_account_email": None}
    case("gce_metadata: the default account's token, no scopes", {"type": "gce_metadata"}, meta_expect,
         access_steps=[{"expect": send(META + "instance/service-accounts/default/token", [FLAVOR], "", "GET", METADATA_TIMEOUT),
                        "respond": respond(200, token_body("ya29.meta", 1800), [FLAVOR])}],
         access_done=access("ya29.meta", 1800),
         id_audience="https://svc.example",
         id_steps=[{"expect": send(META + "instance/service-accounts/default/identity?audience=https%3A%2F%2Fsvc.example&format=full",
                                   [FLAVOR], "", "GET", METADATA_TIMEOUT),
                    "respond": respond(200, ID_TOKEN, [FLAVOR])}],
         id_done={"token": ID_TOKEN, "expires_at": NOW + 3600})
    case("gce_metadata: a named account, scopes, an emulator base",
         {"type": "gce_metadata", "service_account": TARGET}, meta_expect,
         options={"scopes": [CLOUD, "openid"], "metadata_base": "http://127.0.0.1:9090"},
         access_steps=[{"expect": send("http://127.0.0.1:9090/computeMetadata/v1/instance/service-accounts/" + TARGET
                                       + "/token?scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform%2Copenid",
                                       [FLAVOR], "", "GET", METADATA_TIMEOUT),
                        "respond": respond(200, token_body("ya29.meta", 1800), [FLAVOR])}],
         access_done=access("ya29.meta", 1800))
    case("gce_metadata: an answer without Metadata-Flavor is not the metadata server", {"type": "gce_metadata"}, meta_expect,
         access_steps=[{"expect": send(META + "instance/service-accounts/default/token", [FLAVOR], "", "GET", METADATA_TIMEOUT),
                        "respond": respond(200, token_body("ya29.meta", 1800))}],
         access_error="invalid_response")
    case("gce_metadata: an unknown account is not_found", {"type": "gce_metadata"}, meta_expect,
         access_steps=[{"expect": send(META + "instance/service-accounts/default/token", [FLAVOR], "", "GET", METADATA_TIMEOUT),
                        "respond": respond(404, "Not Found", [FLAVOR])}],
         access_error="not_found")
    case("gce_metadata: service_account not an account", {"type": "gce_metadata", "service_account": "../x"},
         error="invalid_key")

    ibm = {"type": "ibm_api_key", "apikey": "MY_APIKEY"}
    case("ibm_api_key: the API-key grant at IBM Cloud IAM", ibm,
         {"kind": "ibm_api_key", "refresh_policy": "ibm", "universe_domain": "googleapis.com", "project_id": None,
          "quota_project_id": None, "service_account_email": None},
         access_steps=[{"expect": send("https://iam.cloud.ibm.com/identity/token",
                                       [["Accept", "application/json"], FORM],
                                       "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=MY_APIKEY&response_type=cloud_iam"),
                        "respond": respond(200, json.dumps({"access_token": "ibm.token", "refresh_token": "not_supported",
                                                            "token_type": "Bearer", "expires_in": 3600,
                                                            "expiration": NOW + 3600}))}],
         access_done=access("ibm.token", 3600), id_audience="https://svc.example", id_error="not_supported")
    case("ibm_api_key: apikey missing", {"type": "ibm_api_key"}, error="invalid_key")

    oc = {"type": "oauth_client_credentials", "token_url": "https://auth.k0rdent.example/oauth/token",
          "client_id": "sa-pipeline", "client_secret": "s3cret", "scopes": ["credentials.read"]}
    case("oauth_client_credentials: HTTP Basic client auth and the file's scopes", oc,
         {"kind": "oauth_client_credentials", "refresh_policy": "google", "universe_domain": "googleapis.com",
          "project_id": None, "quota_project_id": None, "service_account_email": None},
         access_steps=[{"expect": send("https://auth.k0rdent.example/oauth/token",
                                       [["Accept", "application/json"], ["Authorization", "Basic c2EtcGlwZWxpbmU6czNjcmV0"], FORM],
                                       "grant_type=client_credentials&scope=credentials.read"),
                        "respond": respond(200, token_body("k0.token", 900))}],
         access_done=access("k0.token", 900))
    case("oauth_client_credentials: token_url missing", {k: v for k, v in oc.items() if k != "token_url"},
         error="invalid_key")

    case("not JSON", "{not json", error="invalid_key")
    case("not an object", "[1, 2]", error="invalid_key")
    case("no type", {"client_id": "x"}, error="invalid_key")
    case("an unknown type", {"type": "kerberos"}, error="invalid_key")
    case("gdch_service_account is refused as unsupported", {"type": "gdch_service_account"}, error="unsupported_key")
    case("an unknown option is refused", u, error="invalid_argument", options={"scope": ["x"]})
    return cases


def adc_vectors():
    cases = []
    u = json.dumps(user())
    sa = (KEYS / "sa_2048_pkcs8.json").read_text()
    home_file = "/home/dev/.config/gcloud/application_default_credentials.json"
    ping_ip = "http://169.254.169.254/"

    def case(name, env, files=None, exchanges=None, expect=None, error=None, windows=False):
        c = {"name": name, "windows": windows, "env": env, "files": files or {}, "exchanges": exchanges or []}
        if error is not None:
            c["error"] = error
        else:
            c["expect"] = expect
        cases.append(c)

    def ping(url=ping_ip, timeout=1500):
        return {"method": "GET", "url": url, "headers": [FLAVOR], "timeout_millis": timeout}

    def meta_ok(body=""):
        return {"respond": respond(200, body, [FLAVOR])}

    project = {"expect": {"method": "GET", "url": META + "project/project-id", "headers": [FLAVOR],
                          "timeout_millis": METADATA_TIMEOUT}, "respond": respond(200, "meta-project", [FLAVOR])}

    case("GOOGLE_APPLICATION_CREDENTIALS names a key file", {"GOOGLE_APPLICATION_CREDENTIALS": "/keys/sa.json", "HOME": "/home/dev"},
         {"/keys/sa.json": sa, home_file: u},
         expect={"source": "environment_variable", "path": "/keys/sa.json", "kind": "service_account",
                 "project_id": "credmint-vectors", "quota_project_id": None, "files_read": ["/keys/sa.json"]})
    case("GOOGLE_APPLICATION_CREDENTIALS names a missing file: an error naming the variable, no fall-through",
         {"GOOGLE_APPLICATION_CREDENTIALS": "/keys/missing.json", "HOME": "/home/dev"}, {home_file: u},
         error={"code": "credentials_not_found", "mentions": ["GOOGLE_APPLICATION_CREDENTIALS", "/keys/missing.json"]})
    case("GOOGLE_APPLICATION_CREDENTIALS names an unreadable file",
         {"GOOGLE_APPLICATION_CREDENTIALS": "/keys/locked.json"}, {"/keys/locked.json": {"error": "permission denied"}},
         error={"code": "credentials_not_found", "mentions": ["GOOGLE_APPLICATION_CREDENTIALS", "permission denied"]})
    case("GOOGLE_APPLICATION_CREDENTIALS names a broken file: invalid_key naming the path",
         {"GOOGLE_APPLICATION_CREDENTIALS": "/keys/broken.json"}, {"/keys/broken.json": '{"type": "authorized_user"}'},
         error={"code": "invalid_key", "mentions": ["/keys/broken.json", "client_id"]})
    case("an empty GOOGLE_APPLICATION_CREDENTIALS counts as unset", {"GOOGLE_APPLICATION_CREDENTIALS": "", "HOME": "/home/dev"},
         {home_file: u},
         expect={"source": "well_known_file", "path": home_file, "kind": "authorized_user", "project_id": None,
                 "quota_project_id": "user-quota", "files_read": [home_file]})
    case("the gcloud file under HOME, quota project from GOOGLE_CLOUD_QUOTA_PROJECT, project from GOOGLE_CLOUD_PROJECT",
         {"HOME": "/home/dev", "GOOGLE_CLOUD_QUOTA_PROJECT": "env-quota", "GOOGLE_CLOUD_PROJECT": "env-project"},
         {home_file: u},
         expect={"source": "well_known_file", "path": home_file, "kind": "authorized_user", "project_id": "env-project",
                 "quota_project_id": "env-quota", "files_read": [home_file]})
    case("CLOUDSDK_CONFIG moves the gcloud file; GCLOUD_PROJECT names the project",
         {"HOME": "/home/dev", "CLOUDSDK_CONFIG": "/etc/gcloud/", "GCLOUD_PROJECT": "legacy-project"},
         {"/etc/gcloud/application_default_credentials.json": u},
         expect={"source": "well_known_file", "path": "/etc/gcloud/application_default_credentials.json",
                 "kind": "authorized_user", "project_id": "legacy-project", "quota_project_id": "user-quota",
                 "files_read": ["/etc/gcloud/application_default_credentials.json"]})
    win_file = "C:\\Users\\dev\\AppData\\Roaming\\gcloud\\application_default_credentials.json"
    case("Windows: the gcloud file under APPDATA", {"APPDATA": "C:\\Users\\dev\\AppData\\Roaming"}, {win_file: u},
         expect={"source": "well_known_file", "path": win_file, "kind": "authorized_user", "project_id": None,
                 "quota_project_id": "user-quota", "files_read": [win_file]}, windows=True)
    case("no file, the BIOS is not Google, the quick ping is refused twice: credentials_not_found",
         {"HOME": "/home/dev"}, {"/sys/class/dmi/id/product_name": "Standard PC (Q35 + ICH9, 2009)\n"},
         [{"expect": ping(), "transport_error": "connection refused"},
          {"expect": ping(), "transport_error": "connection refused"}],
         error={"code": "credentials_not_found", "mentions": ["GOOGLE_APPLICATION_CREDENTIALS", home_file, "2 attempts"]})
    case("no file, no BIOS file, the ping answers with Metadata-Flavor: the metadata server and its project",
         {"HOME": "/home/dev"}, {},
         [{"expect": ping(), **meta_ok()}, project],
         expect={"source": "metadata_server", "path": None, "kind": "gce_metadata", "project_id": "meta-project",
                 "quota_project_id": None,
                 "files_read": [home_file, "/sys/class/dmi/id/product_name"]})
    case("a ping answer without Metadata-Flavor is not the metadata server",
         {"HOME": "/home/dev"}, {}, [{"expect": ping(), "respond": respond(200, "<html>portal</html>")}],
         error={"code": "credentials_not_found", "mentions": ["1 attempt"]})
    case("a Google BIOS makes the ping patient: 3 s per attempt, backoff, then found",
         {}, {"/sys/class/dmi/id/product_name": "Google Compute Engine\n"},
         [{"expect": ping(timeout=3000), "transport_error": "timed out"},
          {"expect": ping(timeout=3000), "transport_error": "timed out"},
          {"expect": ping(timeout=3000), **meta_ok()}, project],
         expect={"source": "metadata_server", "path": None, "kind": "gce_metadata", "project_id": "meta-project",
                 "quota_project_id": None, "files_read": ["/sys/class/dmi/id/product_name"], "waited": True})
    case("Cloud Run (K_SERVICE) skips the BIOS and pings patiently; the env names the project",
         {"K_SERVICE": "api", "GOOGLE_CLOUD_PROJECT": "run-project", "GCE_METADATA_HOST": "127.0.0.1:8081"}, {},
         [{"expect": ping("http://127.0.0.1:8081/", 3000), **meta_ok()}],
         expect={"source": "metadata_server", "path": None, "kind": "gce_metadata", "project_id": "run-project",
                 "quota_project_id": None, "files_read": []})
    case("GCE_METADATA_IP is pinged, GCE_METADATA_HOST is asked",
         {"GCE_METADATA_HOST": "127.0.0.1:8081", "GCE_METADATA_IP": "127.0.0.2:8082", "METADATA_SERVER_DETECTION": "ping-only"}, {},
         [{"expect": ping("http://127.0.0.2:8082/"), **meta_ok()},
          {"expect": {**project["expect"], "url": "http://127.0.0.1:8081/computeMetadata/v1/project/project-id"},
           "respond": respond(404, "Not Found", [FLAVOR])},
          ],
         expect={"source": "metadata_server", "path": None, "kind": "gce_metadata", "project_id": None,
                 "quota_project_id": None, "files_read": []})
    case("METADATA_SERVER_DETECTION=assume-present: no ping", {"METADATA_SERVER_DETECTION": "assume-present",
                                                               "GOOGLE_CLOUD_PROJECT": "p"}, {}, [],
         expect={"source": "metadata_server", "path": None, "kind": "gce_metadata", "project_id": "p",
                 "quota_project_id": None, "files_read": []})
    case("METADATA_SERVER_DETECTION=none: nothing found without a ping", {"METADATA_SERVER_DETECTION": "none"}, {}, [],
         error={"code": "credentials_not_found", "mentions": ["METADATA_SERVER_DETECTION=none"]})
    case("METADATA_SERVER_DETECTION=bios-only with a Google BIOS: no ping", {"METADATA_SERVER_DETECTION": "bios-only",
                                                                             "GCLOUD_PROJECT": "p"},
         {"/sys/class/dmi/id/product_name": "Google\n"}, [],
         expect={"source": "metadata_server", "path": None, "kind": "gce_metadata", "project_id": "p",
                 "quota_project_id": None, "files_read": ["/sys/class/dmi/id/product_name"]})
    case("METADATA_SERVER_DETECTION with an unknown value is invalid_argument", {"METADATA_SERVER_DETECTION": "sometimes"},
         {}, [], error={"code": "invalid_argument", "mentions": ["METADATA_SERVER_DETECTION"]})
    case("NO_GCE_CHECK=true rules the metadata server out", {"NO_GCE_CHECK": "true", "K_SERVICE": "api"}, {}, [],
         error={"code": "credentials_not_found", "mentions": ["NO_GCE_CHECK"]})
    return cases
