"""A token served from Redis against minting one, in one run (make bench-python).

Each sample is what a fresh process pays for its first token: credentials read
from a service-account key file, then token() either minted (assertion signed,
POST to `credmint serve`'s token endpoint) or served from Redis (GET, open the
sealed entry). Samples of the two alternate, so machine noise hits both alike;
p50 and p99 in microseconds, and their ratio. Needs redis-server and the
emulator (CREDMINT_BIN, default target/debug/credmint).
"""

import os
import pathlib
import socket
import statistics
import subprocess
import tempfile
import time
from typing import Callable, Dict, List

import credmint

ROOT = pathlib.Path(__file__).resolve().parents[1]
SECRET = b"bench-shared-secret-0123456789abcdef"
SAMPLES = int(os.environ.get("CREDMINT_BENCH_SAMPLES", "400"))
CI = "ci-runner@demo-project.iam.gserviceaccount.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def percentile(samples: List[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    import redis

    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL)
    keys = tempfile.TemporaryDirectory(prefix="credmint-bench-")
    binary = os.environ.get("CREDMINT_BIN", str(ROOT / "target" / "debug" / "credmint"))
    emulator = subprocess.Popen([binary, "serve", "--port", "0", "--keys-dir", keys.name], stdout=subprocess.PIPE,
                                text=True)
    try:
        assert emulator.stdout is not None
        emulator.stdout.readline()
        url = f"redis://127.0.0.1:{port}/0"
        for _ in range(100):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        key_text = pathlib.Path(keys.name, f"{CI}.json").read_text()
        store = credmint.RedisTokenStore(url, secret=SECRET)
        credmint.Credentials.from_json(key_text).with_token_store(store).token()  # the entry every sample reads

        cases: Dict[str, Callable[[], object]] = {
            "minted (key file -> token endpoint)": lambda: credmint.Credentials.from_json(key_text).token(),
            "served from Redis (key file -> GET)": lambda: credmint.Credentials.from_json(key_text)
            .with_token_store(store).token(),
        }
        samples: Dict[str, List[float]] = {name: [] for name in cases}
        for name, call in cases.items():
            for _ in range(20):
                call()  # warm connections and code
        for _ in range(SAMPLES):
            for name, call in cases.items():
                started = time.perf_counter()
                call()
                samples[name].append((time.perf_counter() - started) * 1e6)
        print(f"\nFirst token of a fresh credentials object, {SAMPLES} samples each, alternating (µs)")
        print(f"{'':40} {'p50':>9} {'p99':>9}")
        for name, values in samples.items():
            print(f"{name:40} {statistics.median(values):9.0f} {percentile(values, 99):9.0f}")
        minted, served = (samples[name] for name in cases)
        print(f"{'minted / served':40} {statistics.median(minted) / statistics.median(served):8.2f}x "
              f"{percentile(minted, 99) / percentile(served, 99):8.2f}x")
    finally:
        emulator.terminate()
        emulator.wait()
        server.terminate()
        server.wait()
        keys.cleanup()


if __name__ == "__main__":
    main()
