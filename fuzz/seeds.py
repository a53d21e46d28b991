#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the shared vectors.

Each seed is named by the SHA-1 of its bytes, as libFuzzer names the inputs it
keeps, so re-running this script adds nothing twice. The framing of each
target's input is described in `src/`: `input.rs` (chunks are a big-endian u16
length, then the bytes) and each target's doc comment.

    python3 fuzz/seeds.py          # writes fuzz/corpus/<target>/
"""

import base64
import hashlib
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent
VECTORS = ROOT.parent / "tests" / "vectors"
CORPUS = ROOT / "corpus"

# The conversations of src/responses.rs, in its DOCUMENTS order.
DOCUMENT_TYPES = [
    "service_account",
    "authorized_user",
    "impersonated_service_account",
    "external_account_authorized_user",
    "external_account",
    "gce_metadata",
    "ibm_api_key",
    "oauth_client_credentials",
]
K0RDENT = 2 * len(DOCUMENT_TYPES)
VERIFIER = K0RDENT + 1
HEADER_NAMES = ["content-type", "metadata-flavor", "retry-after", "cache-control",
                "date", "expires", "location", "age"]


def chunk(data):
    if isinstance(data, str):
        data = data.encode()
    data = data[:0xFFFF]
    return struct.pack(">H", len(data)) + data


def frame(respond):
    """A response frame (op 0) from a vector's `respond`."""
    if respond.get("transport_error"):
        return b"\x01"
    headers = {name.lower(): value for name, value in respond.get("headers", [])}
    bits = 0
    values = b""
    for bit, name in enumerate(HEADER_NAMES):
        if name in headers:
            bits |= 1 << bit
            values += chunk(headers[name])
    return (b"\x00" + struct.pack(">H", respond.get("status", 200)) + bytes([bits])
            + values + chunk(respond.get("body", "")))


def write(target, data, seeds):
    seeds.setdefault(target, set()).add(bytes(data))


def load(name):
    return json.loads((VECTORS / name).read_text())


def responses(seeds):
    for case in load("credentials.json")["cases"]:
        try:
            kind = json.loads(case["document"]).get("type")
        except (ValueError, AttributeError):
            continue
        if kind not in DOCUMENT_TYPES:
            continue
        index = DOCUMENT_TYPES.index(kind)
        for offset, key in ((0, "access_token"), (len(DOCUMENT_TYPES), "id_token")):
            conversation = case.get(key)
            if not isinstance(conversation, dict) or "steps" not in conversation:
                continue
            frames = b"".join(frame(step["respond"]) for step in conversation["steps"]
                              if "respond" in step)
            write("responses", bytes([index + offset]) + frames, seeds)
            # The same conversation against a server that echoes requests.
            write("responses", bytes([index + offset]) + b"\x02\x01\x90", seeds)
            write("responses", bytes([index + offset]) + b"\x02\x01\x91", seeds)
    for case in load("flows.json")["cases"]:
        kind = case["flow"]["kind"]
        frames = b"".join(frame(step["respond"]) for step in case.get("steps", []) if "respond" in step)
        if kind == "k0rdent_pages":
            write("responses", bytes([K0RDENT]) + frames, seeds)
        elif kind == "token_verifier":
            for verification in case["flow"].get("verifications", [])[:1]:
                write("responses", bytes([VERIFIER]) + chunk(verification["token"]) + frames, seeds)
        elif kind in ("jwt_bearer", "id_token_grant"):
            offset = 0 if kind == "jwt_bearer" else len(DOCUMENT_TYPES)
            write("responses", bytes([offset]) + frames, seeds)


def jws(seeds):
    for case in load("verify.json")["cases"]:
        if isinstance(case.get("token"), str):
            write("jws", case["token"].encode(), seeds)


def pem_der(text):
    body = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
    try:
        return base64.b64decode(body)
    except ValueError:
        return b""


def keys(seeds):
    for path in sorted((VECTORS / "keys").iterdir()):
        data = path.read_bytes()
        text = data.decode(errors="replace")
        if path.suffix == ".json":
            selector = 0 if "private_key" in text else 3
            write("keys", bytes([selector]) + data, seeds)
        elif path.suffix == ".pem":
            private = "PRIVATE KEY" in text
            write("keys", bytes([1 if private else 4]) + data, seeds)
            write("keys", bytes([3]) + data, seeds)
            if "BEGIN PRIVATE KEY" in text:
                write("keys", b"\x02" + pem_der(text), seeds)
            if "CERTIFICATE" in text or "BEGIN PUBLIC KEY" in text:
                write("keys", b"\x05" + pem_der(text), seeds)


def documents(seeds):
    for case in load("credentials.json")["cases"]:
        write("documents", b"\x00" + case["document"].encode(), seeds)
        if case.get("options"):
            write("documents", b"\x01" + json.dumps(case["options"]).encode(), seeds)
    for case in load("adc.json")["cases"]:
        for contents in case.get("files", {}).values():
            if isinstance(contents, str):
                write("documents", b"\x00" + contents.encode(), seeds)
    write("documents", b"\x02" + b'{"lease_secs": 30, "poll_millis": 100}', seeds)
    write("documents", b"\x03" + b'{"audience": "https://svc.example"}', seeds)


def dates(seeds):
    samples = [
        ("2023-11-14T22:13:20Z", "max-age=3600", "10", "Tue, 14 Nov 2023 23:13:20 GMT", "120"),
        ("2023-11-14T22:13:20.123456789+01:00", "public, max-age=\"60\"", "", "", "Tue, 14 Nov 2023 22:14:20 GMT"),
        ("3600s", "no-cache", "", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"),
        ("3600.5s", "", "", "0", "-1"),
    ]
    for sample in samples:
        write("dates", b"".join(chunk(part) for part in sample), seeds)


def adc(seeds):
    # `arbitrary` reads these as a host: a few variables and file answers.
    for case in load("adc.json")["cases"]:
        parts = [bytes([1 if case.get("windows") else 0])]
        for name, value in case.get("env", {}).items():
            parts.append(name.encode() + b"\0" + value.encode())
        for contents in case.get("files", {}).values():
            if isinstance(contents, str):
                parts.append(contents.encode())
        write("adc", b"\x01".join(parts), seeds)


def json_texts(seeds):
    # Headers and claims of the verify vectors' tokens, claims the signing
    # vectors start from, and the shapes the strict reader must refuse.
    for case in load("verify.json")["cases"]:
        for segment in case["token"].split(".")[:2]:
            try:
                write("json", base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)), seeds)
            except ValueError:
                pass
    for name in ("sign.json", "assertions.json"):
        for case in load(name)["cases"]:
            if isinstance(case.get("claims_json"), str):
                write("json", case["claims_json"].encode(), seeds)
    for text in [
        '{"exp":1700000600,"aud":["https://svc.example","x"],"iss":"https://issuer.example","sub":"1"}',
        '{"a":1,"a":2}',
        '{"z":{"b":[{"c":1,"c":2}]}}',
        '{"\\u0061":1,"a":2}',
        '{"alg":"RS256","kid":"k\\u0031","typ":"JWT"}',
        '{"exp":18446744073709551616,"iat":1.5,"nbf":-1,"auth_time":"1"}',
        '{"aud":[1,"a"],"iss":null,"sub":{"x":"\\ud83d\\ude00"}}',
        '[{"a":1}]',
    ]:
        write("json", text.encode(), seeds)


def main():
    seeds = {}
    for build in (responses, jws, keys, documents, dates, adc, json_texts):
        build(seeds)
    for target, inputs in sorted(seeds.items()):
        directory = CORPUS / target
        directory.mkdir(parents=True, exist_ok=True)
        for data in inputs:
            (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)
        print(f"{target}: {len(inputs)} seeds")


if __name__ == "__main__":
    main()
