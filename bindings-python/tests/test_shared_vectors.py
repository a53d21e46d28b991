"""The shared-cache vectors (tests/vectors/shared.json) through the Python
binding: cache keys, opening sealed entries, misses, and the lease protocol."""

import json
from typing import Any, Dict, List, Optional

import pytest

from credmint import _native
from conftest import VECTORS, vector_file

CASES = vector_file("shared.json")["cases"]


def text_of(reference: Dict[str, str]) -> str:
    if "file" in reference:
        return (VECTORS / reference["file"]).read_text()
    return reference["text"]


def cache(case: Dict[str, Any]) -> Any:
    credential_options = json.dumps({"scopes": case["scopes"]}) if "scopes" in case else None
    credentials = _native.Credentials.from_json(text_of(case["document"]), credential_options)
    options = dict(case.get("options", {}))
    if "key_prefix" in case:
        options["key_prefix"] = case["key_prefix"]
    encoded = json.dumps(options) if options else None
    return _native.SharedCache(case["secret_b64"], credentials, case.get("audience"), encoded)


def shown(token: Any, refresh_at: int) -> Dict[str, Any]:
    return {"token": token.token, "obtained_at": token.obtained_at_unix, "expires_at": token.expires_at_unix,
            "refresh_at": refresh_at}


def token(spec: Dict[str, Any]) -> Any:
    return _native.bearer_token(spec["token"], spec["obtained_at"], spec["lifetime"])


def of(op: str) -> List[Dict[str, Any]]:
    return [case for case in CASES if case["op"] == op]


@pytest.mark.parametrize("case", of("name"), ids=lambda c: c["name"])
def test_cache_key(case: Dict[str, Any]) -> None:
    shared = cache(case)
    assert (shared.entry_key, shared.lease_key) == (case["entry_key"], case["lease_key"])


@pytest.mark.parametrize("case", of("seal"), ids=lambda c: c["name"])
def test_sealed_entry_opens(case: Dict[str, Any]) -> None:
    opened = cache(case).open(case["sealed"], case["now"])
    assert opened is not None
    entry = case["entry"]
    assert shown(*opened) == {k: entry[k] for k in ("token", "obtained_at", "expires_at", "refresh_at")}
    assert opened[0].refresh_token == entry.get("refresh_token") and opened[0].scope == entry.get("scope")


@pytest.mark.parametrize("case", of("open"), ids=lambda c: c["name"])
def test_open_or_miss(case: Dict[str, Any]) -> None:
    opened = cache(case).open(case["value"], case["now"])
    assert (None if opened is None else shown(*opened)) == case["expect"]


def step_shown(shared: Any, step: Any, now: int, holder: Optional[str]) -> Any:
    """A step as the vectors write it."""
    kind = step[0]
    if kind == "get":
        return {"get": step[1]}
    if kind == "set_if_absent":
        return {"set_if_absent": {"key": step[1], "ttl_millis": step[3]}}
    if kind == "set":
        entry = shared.open(step[2], now)
        return {"set": {"key": step[1], "ttl_millis": step[3], "entry": shown(*entry)}}
    if kind == "delete_if_equals":
        assert step[2] == holder, "releases its own lease"
        return {"delete_if_equals": step[1]}
    if kind == "wait":
        return {"wait": step[1]}
    if kind == "done":
        return {"done": {"token": step[1].token, "refresh_at": step[2], "origin": step[3]}}
    return kind


def feed(refresh: Any, answer: Any) -> None:
    if answer == "ok":
        refresh.feed_ok()
    elif answer == "store_error":
        refresh.feed_store_error()
    elif answer == "refresh_failed":
        refresh.feed_refresh_failed()
    elif "value" in answer:
        refresh.feed_value(answer["value"])
    elif "set" in answer:
        refresh.feed_set(answer["set"])
    else:
        refresh.feed_token(token(answer["token"]))


@pytest.mark.parametrize("case", of("protocol"), ids=lambda c: c["name"])
def test_lease_protocol(case: Dict[str, Any]) -> None:
    shared = cache(case)
    now = case["now"]
    refresh = shared.refresh(now, token(case["current"]) if "current" in case else None)
    holder: Optional[str] = None
    for line in case["script"]:
        if "expect" in line:
            step = refresh.poll(now)
            if step[0] == "set_if_absent":
                holder = step[2]
            assert step_shown(shared, step, now, holder) == line["expect"]
        else:
            feed(refresh, line["feed"])
