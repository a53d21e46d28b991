"""Fixtures: the shared vectors, and `credmint serve` on loopback (CREDMINT_BIN)."""

import json
import os
import pathlib
import subprocess
import tempfile
from typing import Any, Dict, Iterator

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"

CI = "ci-runner@demo-project.iam.gserviceaccount.com"
DEPLOYER = "deployer@demo-project.iam.gserviceaccount.com"
SIGNER = "storage-signer@demo-project.iam.gserviceaccount.com"
PROVIDER = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci-pool/providers/ci-oidc"
APIKEY = "demo-ibm-apikey-0123456789"
ADMIN = ("cred-admin", "demo-admin-secret-0123456789")


def vector_file(name: str) -> Dict[str, Any]:
    with open(VECTORS / name, encoding="utf-8") as file:
        result: Dict[str, Any] = json.load(file)
        return result


class Emulator:
    def __init__(self) -> None:
        binary = os.environ.get("CREDMINT_BIN", str(ROOT / "target" / "debug" / "credmint"))
        self.dir = tempfile.TemporaryDirectory(prefix="credmint-py-")
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", "--keys-dir", os.path.join(self.dir.name, "keys")],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.base = self.process.stdout.readline().strip()
        assert self.base.startswith("http://127.0.0.1:"), self.base

    def key_file(self, email: str) -> str:
        return os.path.join(self.dir.name, "keys", f"{email}.json")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        self.dir.cleanup()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    server = Emulator()
    yield server
    server.stop()
