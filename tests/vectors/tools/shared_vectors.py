"""Shared token cache vectors (tests/vectors/shared.json), computed here with
the standard library's HMAC and pyca/cryptography's ChaCha20-Poly1305, never
with credmint: the cache key of each credential, sealed entries and the
misses every reader must see, and the lease protocol step by step."""

import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from fixtures import VECTORS

NOW = 1_700_000_000
SECRET = bytes(range(32))
SECRET_B64 = base64.b64encode(SECRET).decode()
OTHER_SECRET_B64 = base64.b64encode(bytes(range(1, 33))).decode()
APIKEY = "demo-ibm-apikey-0123456789"
IBM = {"type": "ibm_api_key", "apikey": APIKEY}
IBM_EMULATED = {"type": "ibm_api_key", "apikey": APIKEY, "url": "http://127.0.0.1:8787"}
USER = {"type": "authorized_user", "client_id": "c.apps.googleusercontent.com", "client_secret": "s",
        "refresh_token": "1//refresh"}
SA_FILE = "keys/google_service_account.json"


def text(document):
    """A `{"text": ...}` reference to a credential document."""
    return {"text": json.dumps(document)}


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def keys(secret):
    name = hmac.new(secret, b"credmint shared-cache name key v1", hashlib.sha256).digest()
    seal = hmac.new(secret, b"credmint shared-cache seal key v1", hashlib.sha256).digest()
    return name, seal


def digest(secret_text):
    return b64u(hashlib.sha256(secret_text.encode()).digest())


def description(document, scopes=None, audience=None):
    """What makes tokens interchangeable, as credmint describes it per kind."""
    kind = document["type"]
    fields = [("kind", kind), ("universe", document.get("universe_domain", "googleapis.com")),
              ("scopes", " ".join(scopes) if scopes is not None else "(default)"), ("lifetime", "3600")]
    if kind == "ibm_api_key":
        url = document.get("url", "https://iam.cloud.ibm.com")
        fields += [("token_url", url if url.endswith("/identity/token") else f"{url}/identity/token"),
                   ("api_key", digest(document["apikey"])), ("iam_scopes", " ".join(scopes or []))]
    elif kind == "authorized_user":
        fields += [("token_uri", document.get("token_uri", "https://oauth2.googleapis.com/token")),
                   ("client_id", document["client_id"]), ("refresh_token", digest(document["refresh_token"])),
                   ("user_scopes", " ".join(scopes or []))]
    elif kind == "service_account":
        fields += [("client_email", document["client_email"]), ("key_id", document["private_key_id"]),
                   ("token_uri", document["token_uri"])]
    else:
        raise ValueError(kind)
    if audience is None:
        fields.append(("purpose", "access_token"))
    else:
        fields += [("purpose", "id_token"), ("audience", audience)]
    return json.dumps([list(pair) for pair in fields], ensure_ascii=False, separators=(",", ":"))


def entry_key(secret, document, scopes=None, audience=None, prefix="credmint:"):
    name_key, _ = keys(secret)
    name = hmac.new(name_key, description(document, scopes, audience).encode(), hashlib.sha256).digest()
    return f"{prefix}v1:{b64u(name[:20])}"


def plaintext(entry):
    """The entry's JSON, members in credmint's order."""
    members = ["v", "kind", "token", "obtained_at", "expires_at", "refresh_at", "refresh_token", "scope"]
    value = {"v": 1, **entry}
    return json.dumps({m: value[m] for m in members if m in value}, ensure_ascii=False, separators=(",", ":"))


def seal(secret, key, nonce, text):
    _, seal_key = keys(secret)
    aad = b"credmint shared-cache entry v1\n" + key.encode()
    return "cm1." + b64u(nonce + ChaCha20Poly1305(seal_key).encrypt(nonce, text.encode(), aad))


def access(token, obtained, lifetime, refresh_at, **extra):
    return {"kind": "access", "token": token, "obtained_at": obtained, "expires_at": obtained + lifetime,
            "refresh_at": refresh_at, **extra}


def sa_document():
    return json.loads((VECTORS / SA_FILE).read_text())


def name_cases():
    sa = sa_document()
    cases = []

    def add(name, document, ref=None, scopes=None, audience=None, prefix=None, secret=SECRET):
        case = {"name": name, "document": ref or text(document), "secret_b64": base64.b64encode(secret).decode()}
        if scopes is not None:
            case["scopes"] = scopes
        if audience is not None:
            case["audience"] = audience
        if prefix is not None:
            case["key_prefix"] = prefix
        case["entry_key"] = entry_key(secret, document, scopes, audience, prefix or "credmint:")
        case["lease_key"] = case["entry_key"] + ":lease"
        cases.append(case)

    add("IBM API key", IBM)
    add("IBM API key at another IAM endpoint", IBM_EMULATED)
    add("IBM API key, another secret", IBM, secret=bytes(range(1, 33)))
    add("IBM API key, own prefix", IBM, prefix="app1:")
    add("authorized user", USER)
    add("authorized user, narrower scopes", USER, scopes=["https://www.googleapis.com/auth/devstorage.read_only"])
    add("service account key", sa, ref={"file": SA_FILE})
    add("service account key, ID token", sa, ref={"file": SA_FILE}, audience="https://svc.example")
    return cases


def open_cases():
    key = entry_key(SECRET, IBM)
    other_key = entry_key(SECRET, IBM_EMULATED)
    nonce = bytes(range(12))
    good = access("tok-1", NOW, 3600, NOW + 2880, refresh_token="rt-1", scope="ibm openid")
    cases = []

    def add(name, value, now, expect):
        cases.append({"name": name, "document": text(IBM), "secret_b64": SECRET_B64, "value": value, "now": now,
                      "expect": expect})

    sealed = seal(SECRET, key, nonce, plaintext(good))
    expected = {"token": "tok-1", "obtained_at": NOW, "expires_at": NOW + 3600, "refresh_at": NOW + 2880}
    add("a sealed entry opens", sealed, NOW + 10, expected)
    add("expired under IBM's policy (10 s early)", sealed, NOW + 3590, None)
    add("obtained more than 60 s in the future", sealed, NOW - 61, None)
    add("obtained within 60 s of skew", sealed, NOW - 60, expected)
    add("another credential's entry copied here", seal(SECRET, other_key, nonce, plaintext(good)), NOW, None)
    add("sealed with another secret", seal(bytes(range(1, 33)), key, nonce, plaintext(good)), NOW, None)
    add("another layout version", seal(SECRET, key, nonce, plaintext(good).replace('"v":1', '"v":2')), NOW, None)
    add("an ID token where an access token belongs",
        seal(SECRET, key, nonce, plaintext({**good, "kind": "id"}).replace(',"refresh_token":"rt-1","scope":"ibm openid"', "")),
        NOW, None)
    add("refresh time after expiry", seal(SECRET, key, nonce, plaintext({**good, "refresh_at": NOW + 4000})), NOW, None)
    add("an unknown member", seal(SECRET, key, nonce, plaintext(good)[:-1] + ',"extra":1}'), NOW, None)
    add("not JSON inside", seal(SECRET, key, nonce, "not json"), NOW, None)
    add("garbage", "\u0000\u00ffgarbage", NOW, None)
    add("another format prefix", "cm2." + sealed[4:], NOW, None)
    add("truncated", sealed[:20], NOW, None)
    add("tampered", sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1], NOW, None)
    return cases


def seal_cases():
    key = entry_key(SECRET, IBM)
    cases = []
    for name, entry, nonce in [
        ("access token with refresh token and scope", access("tok-1", NOW, 3600, NOW + 2880, refresh_token="rt-1",
                                                             scope="ibm openid"), bytes(range(12))),
        ("access token, quotes and unicode", access('t"\u00e9\\', NOW, 60, NOW + 48), bytes(12)),
    ]:
        plain = plaintext(entry)
        cases.append({"name": name, "document": text(IBM), "secret_b64": SECRET_B64, "now": NOW,
                      "entry_key": key, "nonce_hex": nonce.hex(),
                      "entry": entry, "plaintext": plain, "sealed": seal(SECRET, key, nonce, plain)})
    return cases


def protocol_cases():
    """Steps of one refresh against a scripted store. `set_if_absent` and
    `delete_if_equals` carry the holder id (random): runners check that the
    release names the lease they took. `set` carries a fresh nonce: runners
    open it and compare the entry."""
    key = entry_key(SECRET, IBM)
    lease = key + ":lease"
    stored = seal(SECRET, key, bytes(range(12)), plaintext(access("stored", NOW - 100, 3600, NOW + 2780)))
    due = seal(SECRET, key, bytes(range(12)), plaintext(access("due", NOW - 3000, 3600, NOW - 120)))
    minted = {"token": "minted", "obtained_at": NOW, "lifetime": 3600}
    minted_entry = {"token": "minted", "obtained_at": NOW, "expires_at": NOW + 3600, "refresh_at": NOW + 2880}
    options = {"lease_millis": 3000, "poll_millis": 100}
    cases = []

    def add(name, script, current=None):
        case = {"name": name, "document": text(IBM), "secret_b64": SECRET_B64, "options": options, "now": NOW,
                "script": script}
        if current:
            case["current"] = current
        cases.append(case)

    get = {"expect": {"get": key}}
    acquire = {"expect": {"set_if_absent": {"key": lease, "ttl_millis": 3000}}}
    write = {"expect": {"set": {"key": key, "ttl_millis": 3_600_000, "entry": minted_entry}}}
    release = {"expect": {"delete_if_equals": lease}}
    refresh = {"expect": "refresh"}
    add("a fresh entry in the store: no refresh", [
        get, {"feed": {"value": stored}},
        {"expect": {"done": {"token": "stored", "refresh_at": NOW + 2780, "origin": "store"}}},
    ])
    add("nothing stored: lease, read again, refresh, write, release", [
        get, {"feed": {"value": None}}, acquire, {"feed": {"set": True}}, get, {"feed": {"value": None}},
        refresh, {"feed": {"token": minted}}, write, {"feed": "ok"}, release, {"feed": "ok"},
        {"expect": {"done": {"token": "minted", "refresh_at": NOW + 2880, "origin": "refreshed"}}},
    ])
    add("the previous holder wrote between our read and our lease: give the lease back", [
        get, {"feed": {"value": None}}, acquire, {"feed": {"set": True}}, get, {"feed": {"value": stored}},
        release, {"feed": "ok"},
        {"expect": {"done": {"token": "stored", "refresh_at": NOW + 2780, "origin": "store"}}},
    ])
    add("due entry, lease held elsewhere: use the valid token, look again in a second", [
        get, {"feed": {"value": due}}, acquire, {"feed": {"set": False}},
        {"expect": {"done": {"token": "due", "refresh_at": NOW + 1, "origin": "still_valid"}}},
    ])
    add("nothing valid, lease held elsewhere: wait, read, use the holder's token", [
        get, {"feed": {"value": None}}, acquire, {"feed": {"set": False}}, {"expect": {"wait": 100}},
        get, {"feed": {"value": None}}, acquire, {"feed": {"set": False}}, {"expect": {"wait": 100}},
        get, {"feed": {"value": stored}},
        {"expect": {"done": {"token": "stored", "refresh_at": NOW + 2780, "origin": "store"}}},
    ])
    stuck = [get, {"feed": {"value": None}}]
    for _ in range(30):
        stuck += [acquire, {"feed": {"set": False}}, {"expect": {"wait": 100}}, get, {"feed": {"value": None}}]
    add("a lease that never lapses: after lease_millis of waiting, refresh without it", stuck + [
        refresh, {"feed": {"token": minted}}, write, {"feed": "ok"},
        {"expect": {"done": {"token": "minted", "refresh_at": NOW + 2880, "origin": "refreshed"}}},
    ])
    add("the store fails: refresh in-process, write nothing", [
        get, {"feed": "store_error"}, refresh, {"feed": {"token": minted}},
        {"expect": {"done": {"token": "minted", "refresh_at": NOW + 2880, "origin": "refreshed"}}},
    ])
    add("the store fails on the lease: refresh in-process", [
        get, {"feed": {"value": None}}, acquire, {"feed": "store_error"}, refresh, {"feed": {"token": minted}},
        {"expect": {"done": {"token": "minted", "refresh_at": NOW + 2880, "origin": "refreshed"}}},
    ])
    add("the refresh fails: release the lease, report the failure", [
        get, {"feed": {"value": None}}, acquire, {"feed": {"set": True}}, get, {"feed": {"value": None}},
        refresh, {"feed": "refresh_failed"}, release, {"feed": "ok"}, {"expect": "failed"},
    ])
    add("a caller holding a valid token keeps it while another refreshes", [
        get, {"feed": {"value": None}}, acquire, {"feed": {"set": False}},
        {"expect": {"done": {"token": "mine", "refresh_at": NOW + 1, "origin": "still_valid"}}},
    ], current={"token": "mine", "obtained_at": NOW - 3000, "lifetime": 3600})
    return cases


def shared_vectors():
    groups = [("name", name_cases()), ("seal", seal_cases()), ("open", open_cases()), ("protocol", protocol_cases())]
    return [{"op": op, **case} for op, cases in groups for case in cases]
