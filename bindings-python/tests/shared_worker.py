"""One process of the fleet in test_shared_cache.py: THREADS threads ask an
IBM API-key credential for tokens through Redis for SECONDS seconds, then
print what they saw as JSON. Started with: redis_url emulator_base seconds threads."""

import hashlib
import json
import sys
import threading
import time

import credmint

SECRET = b"fleet-test-secret-0123456789abcdef"  # 34 bytes, the same in every process
APIKEY = "demo-ibm-apikey-0123456789"


def main() -> None:
    redis_url, base, seconds, threads = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    store = credmint.RedisTokenStore(redis_url, secret=SECRET, lease_millis=3000)
    credentials = credmint.IbmApiKeyCredentials(APIKEY, url=base).with_token_store(store)
    seen = {}
    errors = []
    expired = [0]
    calls = [0]
    lock = threading.Lock()
    deadline = time.time() + seconds

    def worker() -> None:
        while time.time() < deadline:
            try:
                token = credentials.token()
            except Exception as failure:  # counted, and the test fails on any
                with lock:
                    errors.append(type(failure).__name__)
                continue
            at = time.time()
            expires = token.expires_at.timestamp()
            with lock:
                calls[0] += 1
                seen[hashlib.sha256(token.token.encode()).hexdigest()] = expires
                if expires <= at:
                    expired[0] += 1
            time.sleep(0.02)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    print(json.dumps({"tokens": seen, "errors": errors,
                      "expired": expired[0], "calls": calls[0]}))


if __name__ == "__main__":
    main()
