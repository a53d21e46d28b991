"""The host's answers to the core's questions besides HTTP: the bytes of a
file, the value of an environment variable, the output of a command. What to
ask, in which order, and what every answer means are the core's."""

from __future__ import annotations

import os

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, List, Tuple

from . import _native


def _reason(failure: OSError) -> str:
    return failure.strerror or type(failure).__name__


def read_file(conversation: Any, path: str, max_bytes: int) -> None:
    """Answers a ``read_file`` step: the bytes (at most ``max_bytes``), missing, or why not."""
    try:
        with open(path, "rb") as file:
            contents = file.read(max_bytes)
    except FileNotFoundError:
        conversation.feed_host("missing")
    except OSError as failure:
        conversation.feed_host("unreadable", _reason(failure))
    else:
        conversation.feed_host("file", contents)


def run(conversation: Any, program: str, args: List[str], env: List[Tuple[str, str]], timeout_millis: int) -> None:
    """Answers a ``run`` step: the command without a shell, its variables added,
    killed at the core's time limit."""
    import subprocess

    try:
        completed = subprocess.run(
            [program, *args],
            env={**os.environ, **dict(env)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=timeout_millis / 1000,
            check=False,
        )
    except subprocess.TimeoutExpired:
        conversation.feed_host("timed_out")
    except OSError as failure:
        conversation.feed_host("not_started", _reason(failure))
    else:
        conversation.feed_host("exited", completed.stdout[: _native.MAX_RESPONSE_BODY + 1], completed.returncode)


def answer(conversation: Any, step: Tuple[Any, ...]) -> bool:
    """Answers ``step`` if it is a host step (``read_file``, ``read_env``, ``run``)."""
    kind = step[0]
    if kind == "read_file":
        read_file(conversation, step[1], step[2])
    elif kind == "read_env":
        conversation.feed_host("env", os.environ.get(step[1]))
    elif kind == "run":
        run(conversation, *step[1:])
    else:
        return False
    return True
