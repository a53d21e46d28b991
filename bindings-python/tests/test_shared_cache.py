"""Shared token caches against a real redis-server and the emulator: a fleet
of processes makes one token request per refresh window, a killed lease
holder's lease lapses, and callers survive Redis going away and coming back."""

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from typing import Any, Dict, Iterator, List

import pytest

import credmint
from conftest import APIKEY, ROOT

SECRET = b"fleet-test-secret-0123456789abcdef"
#: IBM tokens of 12 s count as expired 10 s early: a new one every 2 s.
LIFETIME = 12
WINDOW = LIFETIME - 10
FLEET_SECONDS = float(os.environ.get("CREDMINT_FLEET_SECONDS", "60"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Redis:
    """redis-server on a free port, no persistence; stop() and start() again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Any = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=1)


class ShortEmulator:
    """`credmint serve` minting tokens that live LIFETIME seconds."""

    def __init__(self) -> None:
        binary = os.environ.get("CREDMINT_BIN", str(ROOT / "target" / "debug" / "credmint"))
        self.dir = tempfile.TemporaryDirectory(prefix="credmint-shared-")
        config = pathlib.Path(self.dir.name) / "emulator.toml"
        example = (ROOT / "emulator" / "examples" / "emulator.toml").read_text()
        config.write_text(f"access_token_lifetime_secs = {LIFETIME}\n{example}")
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", "--config", str(config)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.base = self.process.stdout.readline().strip()

    def token_requests(self) -> int:
        with urllib.request.urlopen(f"{self.base}/_emulator/stats") as answer:
            counts: Dict[str, int] = json.load(answer)["requests"]
        return counts.get("POST /identity/token", 0)

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.base}/_emulator/stats/reset", method="POST")).close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        self.dir.cleanup()


@pytest.fixture()
def redis_server() -> Iterator[Redis]:
    server = Redis()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def short_emulator() -> Iterator[ShortEmulator]:
    server = ShortEmulator()
    yield server
    server.stop()


def credentials(redis_server: Redis, base: str, **options: Any) -> Any:
    store = credmint.RedisTokenStore(redis_server.url, secret=SECRET, **options)
    return credmint.IbmApiKeyCredentials(APIKEY, url=base).with_token_store(store)


def test_a_fleet_makes_one_token_request_per_window(redis_server: Redis, short_emulator: ShortEmulator) -> None:
    short_emulator.reset()
    worker = pathlib.Path(__file__).with_name("shared_worker.py")
    fleet = [
        subprocess.Popen(
            [sys.executable, str(worker), redis_server.url, short_emulator.base, str(FLEET_SECONDS), "16"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    reports = [json.loads(process.communicate(timeout=FLEET_SECONDS + 120)[0]) for process in fleet]
    assert all(process.returncode == 0 for process in fleet)
    assert [r["errors"] for r in reports] == [[]] * 8, "no caller saw an error"
    assert sum(r["expired"] for r in reports) == 0, "nobody held an expired token"
    tokens = {digest: expires for r in reports for digest, expires in r["tokens"].items()}
    expirations = sorted(tokens.values())
    requests = short_emulator.token_requests()
    assert requests == len(tokens), "every token request's token was shared, none wasted"
    gaps = [later - earlier for earlier, later in zip(expirations, expirations[1:])]
    assert min(gaps) >= WINDOW, f"two refreshes in one window: {gaps}"
    assert requests <= FLEET_SECONDS / WINDOW + 2
    print(f"\nfleet: 8 processes x 16 threads, {FLEET_SECONDS:.0f} s, {sum(r['calls'] for r in reports)} calls, "
          f"{requests} token requests for {FLEET_SECONDS / WINDOW:.0f} windows")


def test_a_killed_lease_holder_is_replaced_when_its_lease_lapses(
    redis_server: Redis, short_emulator: ShortEmulator
) -> None:
    short_emulator.reset()
    holder_script = f"""
import sys, time, credmint
class Stalled:
    def send(self, method, url, headers, body, timeout=None):
        time.sleep(60)  # killed long before this returns
store = credmint.RedisTokenStore({redis_server.url!r}, secret={SECRET!r}, lease_millis=3000)
creds = credmint.IbmApiKeyCredentials({APIKEY!r}, url={short_emulator.base!r}, transport=Stalled()).with_token_store(store)
creds.token()
"""
    holder = subprocess.Popen([sys.executable, "-c", holder_script])
    creds = credentials(redis_server, short_emulator.base, lease_millis=3000)
    lease = creds._access._shared.entry_key + ":lease"
    client = redis_server.client()
    for _ in range(200):
        if client.get(lease) is not None:
            break
        time.sleep(0.05)
    assert client.get(lease) is not None, "the holder took the lease"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    started = time.monotonic()
    token = creds.token()
    waited = time.monotonic() - started
    assert token.token and token.expires_at.timestamp() > time.time()
    assert 0.5 < waited < 5, f"waited for the dead holder's lease to lapse, {waited:.2f} s"
    assert short_emulator.token_requests() == 1, "only the live process asked for a token"


def test_callers_survive_redis_going_away_and_use_it_again_when_back(
    redis_server: Redis, short_emulator: ShortEmulator
) -> None:
    creds = credentials(redis_server, short_emulator.base, store_timeout_millis=200)
    entry = creds._access._shared.entry_key
    errors: List[str] = []
    tokens = set()
    stop = threading.Event()

    def caller() -> None:
        while not stop.is_set():
            try:
                token = creds.token()
                tokens.add(token.token)
                assert token.expires_at.timestamp() > time.time()
            except Exception as failure:
                errors.append(repr(failure))
            time.sleep(0.02)

    pool = [threading.Thread(target=caller) for _ in range(8)]
    for thread in pool:
        thread.start()
    time.sleep(WINDOW * 1.5)
    assert redis_server.client().get(entry) is not None, "entries go to Redis while it is up"
    redis_server.stop()
    down_at = len(tokens)
    time.sleep(WINDOW * 3)
    assert len(tokens) > down_at, "tokens were refreshed in-process while Redis was down"
    redis_server.start()
    time.sleep(WINDOW * 2)
    stop.set()
    for thread in pool:
        thread.join()
    assert errors == []
    assert redis_server.client().get(entry) is not None, "entries go to Redis again once it is back"


def test_memory_store_serves_many_credentials_one_token(short_emulator: ShortEmulator) -> None:
    short_emulator.reset()
    store = credmint.MemoryTokenStore(SECRET)
    first = credmint.IbmApiKeyCredentials(APIKEY, url=short_emulator.base).with_token_store(store)
    second = credmint.IbmApiKeyCredentials(APIKEY, url=short_emulator.base).with_token_store(store)
    assert first.token().token == second.token().token
    assert short_emulator.token_requests() == 1
    other_secret = credmint.MemoryTokenStore(b"another-secret-0123456789abcdefghij")
    third = credmint.IbmApiKeyCredentials(APIKEY, url=short_emulator.base).with_token_store(other_secret)
    third.token()
    assert short_emulator.token_requests() == 2, "another secret shares nothing"


def test_asyncio_callers_share_through_redis(redis_server: Redis, short_emulator: ShortEmulator) -> None:
    import asyncio

    short_emulator.reset()

    async def run() -> List[str]:
        creds = [credentials(redis_server, short_emulator.base) for _ in range(4)]
        tokens = await asyncio.gather(*(c.token_async() for c in creds for _ in range(8)))
        return [t.token for t in tokens]

    tokens = asyncio.run(run())
    assert len(set(tokens)) == 1
    assert short_emulator.token_requests() == 1


def test_bad_configuration_and_garbage_in_the_store(redis_server: Redis, short_emulator: ShortEmulator) -> None:
    with pytest.raises(credmint.InvalidArgumentError, match="32"):
        credmint.IbmApiKeyCredentials(APIKEY, url=short_emulator.base).with_token_store(
            credmint.RedisTokenStore(redis_server.url, secret=b"short")
        )
    with pytest.raises(credmint.InvalidArgumentError, match="lease_millis"):
        credentials(redis_server, short_emulator.base, lease_millis=5)
    creds = credentials(redis_server, short_emulator.base)
    entry = creds._access._shared.entry_key
    assert "ibm" not in entry and APIKEY not in entry
    redis_server.client().set(entry, b"\x00\xffgarbage")
    short_emulator.reset()
    token = creds.token()
    assert short_emulator.token_requests() == 1, "garbage is a miss"
    stored = redis_server.client().get(entry)
    assert stored.startswith(b"cm1.") and token.token.encode() not in stored, "sealed"
    url_with_password = f"redis://:hunter2@127.0.0.1:{redis_server.port}/0"
    shown = repr(credmint.RedisTokenStore(url_with_password, secret=SECRET)) + repr(creds._access._shared._cache)
    assert SECRET.decode() not in shown and "hunter2" not in shown and "[redacted]" in shown
