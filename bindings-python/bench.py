"""credmint vs PyJWT+cryptography vs google-auth, measured in one run.

    python bindings-python/bench.py        (make bench-python)

(a) signing a service-account assertion (steady state, and the first token
from a JSON key: parse + sign), (b) verifying an RS256 ID token with claims,
(c) a cached token() call, (d) `import` time in a fresh interpreter, and the
installed size of each with its dependencies. Medians of repeated runs.
"""

import importlib.metadata
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Set

ROOT = pathlib.Path(__file__).resolve().parents[1]
KEY_FILE = ROOT / "tests" / "vectors" / "keys" / "sa_2048_pkcs8.json"
KEY_TEXT = KEY_FILE.read_text()
INFO = json.loads(KEY_TEXT)
AUDIENCE = "https://svc.example"
ISSUER = "https://accounts.google.com"


def median_us(call: Callable[[], Any], *, seconds: float = 1.0, minimum: int = 20) -> float:
    """Median of per-call times over batches, in microseconds."""
    call()
    batch = 1
    while True:
        started = time.perf_counter()
        for _ in range(batch):
            call()
        if time.perf_counter() - started > 0.01 or batch > 1_000_000:
            break
        batch *= 2
    samples: List[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < minimum:
        started = time.perf_counter()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter() - started) / batch * 1e6)
    return statistics.median(samples)


def claims(now: int) -> Dict[str, Any]:
    return {
        "iss": INFO["client_email"],
        "scope": "https://www.googleapis.com/auth/cloud-platform",
        "aud": "https://oauth2.googleapis.com/token",
        "iat": now,
        "exp": now + 3600,
    }


def bench_credmint() -> Dict[str, Optional[float]]:
    import credmint

    now = int(time.time())
    key = credmint.ServiceAccountKey.from_json(KEY_TEXT)
    assertion = claims(now)
    first = median_us(lambda: credmint.ServiceAccountKey.from_json(KEY_TEXT).sign_jwt(assertion, now=now), seconds=0.5)
    steady = median_us(lambda: key.sign_jwt(assertion, now=now))
    id_claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "1234", "email": "a@b.c", "iat": now, "exp": now + 3600}
    token = key.sign_jwt(id_claims, now=now).signed_jwt
    keys = credmint.KeySet(key.jwks())
    verify = median_us(lambda: credmint.verify(token, keys, audience=AUDIENCE, issuer=ISSUER))

    class Canned:
        def send(self, method: str, url: str, headers: Any, body: bytes) -> Any:
            from credmint._transport import Response

            answer = json.dumps({"access_token": "ya29.bench", "expires_in": 3599, "token_type": "Bearer"})
            return Response(200, [("content-type", "application/json")], answer.encode())

    credentials = credmint.ServiceAccountCredentials(key, transport=Canned())
    credentials.token()
    cached = median_us(credentials.token)
    return {"first": first, "steady": steady, "verify": verify, "cached": cached}


def bench_pyjwt() -> Dict[str, Optional[float]]:
    import jwt
    from cryptography.hazmat.primitives import serialization

    now = int(time.time())
    pem = INFO["private_key"].encode()
    private = serialization.load_pem_private_key(pem, password=None)
    assertion = claims(now)
    headers = {"kid": INFO["private_key_id"]}

    def first() -> None:
        jwt.encode(assertion, serialization.load_pem_private_key(pem, password=None), algorithm="RS256", headers=headers)

    first_us = median_us(first, seconds=1.0, minimum=5)
    steady = median_us(lambda: jwt.encode(assertion, private, algorithm="RS256", headers=headers))
    id_claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "1234", "email": "a@b.c", "iat": now, "exp": now + 3600}
    token = jwt.encode(id_claims, private, algorithm="RS256", headers=headers)
    public = private.public_key()  # type: ignore[union-attr]
    verify = median_us(lambda: jwt.decode(token, public, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER))
    return {"first": first_us, "steady": steady, "verify": verify, "cached": None}


def bench_google_auth() -> Dict[str, Optional[float]]:
    import datetime

    from google.auth import crypt
    from google.auth import jwt as google_jwt
    from google.oauth2 import service_account

    now = int(time.time())
    assertion = claims(now)
    first = median_us(
        lambda: google_jwt.encode(crypt.RSASigner.from_service_account_info(INFO), assertion), seconds=1.0, minimum=5
    )
    signer = crypt.RSASigner.from_service_account_info(INFO)
    steady = median_us(lambda: google_jwt.encode(signer, assertion))
    id_claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "1234", "email": "a@b.c", "iat": now, "exp": now + 3600}
    token = google_jwt.encode(signer, id_claims)
    from cryptography.hazmat.primitives import serialization

    public_pem = (
        serialization.load_pem_private_key(INFO["private_key"].encode(), password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    certs = {INFO["private_key_id"]: public_pem}
    verify = median_us(lambda: google_jwt.decode(token, certs=certs, audience=AUDIENCE))
    credentials = service_account.Credentials.from_service_account_info(
        INFO, scopes=["https://www.googleapis.com/auth/cloud-platform"]
    )
    credentials.token = "ya29.bench"
    credentials.expiry = datetime.datetime.utcnow() + datetime.timedelta(hours=1)
    headers: Dict[str, str] = {}
    cached = median_us(lambda: credentials.before_request(None, "GET", "https://x", headers))
    return {"first": first, "steady": steady, "verify": verify, "cached": cached}


def import_ms(module: str, runs: int = 9) -> float:
    """Median wall time of `import module` in a fresh interpreter, in ms."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(times) * 1000


def installed_bytes(distribution: str) -> int:
    """Bytes on disk of a distribution and everything it requires."""
    seen: Set[str] = set()
    total = 0
    pending = [distribution]
    while pending:
        name = re.split(r"[\s<>=!~;\[(]", pending.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if not name or name in seen:
            continue
        seen.add(name)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in dist.files or []:
            path = pathlib.Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                pending.append(requirement)
    return total


def main() -> None:
    results = {
        "credmint": bench_credmint(),
        "PyJWT + cryptography": bench_pyjwt(),
        "google-auth": bench_google_auth(),
    }
    imports = {"credmint": import_ms("credmint"), "PyJWT + cryptography": import_ms("jwt, cryptography.hazmat.primitives.serialization"), "google-auth": import_ms("google.oauth2.service_account")}
    sizes = {
        "credmint": installed_bytes("credmint"),
        "PyJWT + cryptography": installed_bytes("PyJWT") + installed_bytes("cryptography"),
        "google-auth": installed_bytes("google-auth"),
    }

    def cell(value: Optional[float], unit: str = "µs") -> str:
        if value is None:
            return "—"
        return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"

    rows = [
        ("first assertion from a JSON key", "first"),
        ("assertion, key loaded", "steady"),
        ("verify ID token with claims", "verify"),
        ("cached token()", "cached"),
    ]
    names = list(results)
    peer = "PyJWT + cryptography"

    def ratio(ours: Optional[float], theirs: Optional[float]) -> str:
        """credmint's time over the peer's, from this run (< 1: credmint is faster)."""
        return "—" if not ours or not theirs else f"{ours / theirs:.2f}×"

    print(f"| {'':34} | " + " | ".join(f"{n:>20}" for n in names) + f" | {'credmint / PyJWT':>16} |")
    print(f"|{'-' * 36}|" + "|".join("-" * 21 + ":" for _ in names) + f"|{'-' * 17}:|")
    for label, field in rows:
        cells = " | ".join(f"{cell(results[n][field]):>20}" for n in names)
        print(f"| {label:34} | {cells} | {ratio(results['credmint'][field], results[peer][field]):>16} |")
    cells = " | ".join(f"{cell(imports[n], 'ms'):>20}" for n in names)
    print(f"| {'import':34} | {cells} | {ratio(imports['credmint'], imports[peer]):>16} |")
    cells = " | ".join(f"{sizes[n] / 1e6:>17.2f} MB" for n in names)
    print(f"| {'installed size, with dependencies':34} | {cells} | {ratio(sizes['credmint'], sizes[peer]):>16} |")
    print(f"\nPython {sys.version.split()[0]} on {os.uname().machine}; medians; google-auth's cached path is before_request().")


if __name__ == "__main__":
    main()
