"""The conversation and cache vectors (tests/vectors/flows.json, cache.json)
through the Python binding: the same scripted exchanges as the Rust core,
driven step by step through the native Conversation and TokenCache objects."""

import base64
import json
from typing import Any, Dict, List

import pytest

import credmint
from credmint import _native
from conftest import VECTORS, vector_file


def inlined(spec: Any) -> Any:
    """Replaces {"file": …} references by their text (the core reads no files)."""
    if isinstance(spec, dict):
        if "file" in spec:
            rest = {k: v for k, v in spec.items() if k != "file"}
            return {**rest, "text": (VECTORS / spec["file"]).read_text(encoding="utf-8")}
        return {k: inlined(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [inlined(item) for item in spec]
    return spec


def error_json(error: credmint.CredmintError) -> Dict[str, Any]:
    return {
        "code": error.code,
        "retryable": error.retryable,
        "status": error.status,
        "provider_code": error.remote_code,
        "reason": error.reason,
        "permission": error.permission,
        "retry_after": error.retry_after,
    }


def subset(expected: Any, got: Any) -> bool:
    if isinstance(expected, dict) and isinstance(got, dict):
        return all(k in got and subset(v, got[k]) for k, v in expected.items())
    return bool(expected == got)


FLOWS = vector_file("flows.json")["cases"]


@pytest.mark.parametrize("case", FLOWS, ids=lambda c: c["name"])
def test_flow_vector(case: Dict[str, Any]) -> None:
    spec = json.dumps(inlined(case["flow"]))
    if "construct_error" in case:
        with pytest.raises(credmint.CredmintError) as caught:
            _native._conformance_flow(spec)
        assert caught.value.code == case["construct_error"]
        return
    conversation = _native._conformance_flow(spec)
    for index, step in enumerate(case["steps"]):
        expect = step["expect"]
        kind = next(iter(expect))
        where = f"step {index}"
        if kind == "error":
            with pytest.raises(credmint.CredmintError) as caught:
                conversation.poll(step["now"])
            assert subset(expect["error"], error_json(caught.value)), (where, error_json(caught.value))
            continue
        got = conversation.poll(step["now"])
        assert got[0] == kind, (where, got[0])
        if kind == "send":
            _, method, url, headers, body, timeout_millis = got
            request = {
                "method": method, "url": url, "headers": [list(h) for h in headers], "body": body.decode(),
                "timeout_millis": timeout_millis,
            }
            assert request == expect["send"], where
            if "respond" in step:
                answer = step["respond"]
                conversation.feed_response(
                    answer["status"], [tuple(h) for h in answer["headers"]], answer["body"].encode()
                )
            elif "transport_error" in step:
                conversation.feed_transport_error(step["transport_error"])
        elif kind == "sign":
            assert {"key_id": got[1], "payload": got[2].decode()} == expect["sign"], where
            padded = step["signature_b64url"] + "=" * (-len(step["signature_b64url"]) % 4)
            conversation.feed_signature(base64.urlsafe_b64decode(padded))
        elif kind == "wait":
            assert got[1] == expect["wait"], where
        elif kind == "read_file":
            assert {"path": got[1], "max_bytes": got[2]} == expect["read_file"], where
            feed_host(conversation, step["host"])
        elif kind == "read_env":
            assert got[1] == expect["read_env"], where
            feed_host(conversation, step["host"])
        elif kind == "run":
            _, program, args, env, timeout_millis = got
            run = {"program": program, "args": args, "env": [list(pair) for pair in env],
                   "timeout_millis": timeout_millis}
            assert run == expect["run"], where
            feed_host(conversation, step["host"])
        else:
            assert json.loads(got[1]) == expect["done"], where


def feed_host(conversation: Any, answer: Dict[str, Any]) -> None:
    """The vector's answer to a host step, in the native module's form."""
    kind, value = next(iter(answer.items()))
    if kind == "file":
        conversation.feed_host("file", value.encode())
    elif kind == "exited":
        conversation.feed_host("exited", value["stdout"].encode(), value["status"])
    elif kind in ("unreadable", "env", "not_started"):
        conversation.feed_host(kind, value)
    else:
        conversation.feed_host(kind)


CACHES = vector_file("cache.json")["cases"]


@pytest.mark.parametrize("case", CACHES, ids=lambda c: c["name"])
def test_cache_vector(case: Dict[str, Any]) -> None:
    cache = _native.TokenCache(case["policy"], case["max_jitter_secs"], case["jitter_seed"])
    got: List[Any] = []
    expected: List[Any] = []
    generation = 0
    for op in case["ops"]:
        if op["op"] in ("get", "get_after_wait"):
            if op["op"] == "get":
                kind, token = cache.lookup(op["now"])
            else:
                kind, token = cache.lookup_after_wait(op["now"], generation)
            shown: Any = {
                "fresh": lambda: {"fresh": token.expires_at_unix},
                "refresh": lambda: {"refresh_in_background": token.expires_at_unix},
                "must": lambda: "must_refresh",
                "wait": lambda: "wait_for_refresh",
                "failed": lambda: "refresh_failed",
            }[kind]()
            got.append(shown)
            expected.append(op["expect"])
        elif op["op"] == "complete":
            token = _native.bearer_token("t", op["obtained_at"], op["expires_at"] - op["obtained_at"])
            cache.complete(token)
        elif op["op"] == "note_generation":
            generation = cache.generation()
        elif op["op"] == "fail":
            cache.fail()
        elif op["op"] == "invalidate":
            cache.invalidate()
        elif op["op"] == "refresh_at":
            got.append(cache.refresh_at())
            expected.append(op["expect"])
        else:
            pytest.fail(f"unknown op {op['op']}")
    assert got == expected
