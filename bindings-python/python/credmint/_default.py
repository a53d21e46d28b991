"""Credentials from a credential document of any type, and Application
Default Credentials: the core reads the document and decides the lookup
order, paths, detection and every default; this module answers its questions
(environment variables, file contents, HTTP) and keeps the tokens cached."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

from . import _native
from ._credentials import Credentials, DocumentCredentials, ExternalAccountCredentials, _options_json
from ._transport import TransportFailure, _send, is_async, now, resolve
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    import os
    from typing import Any, Dict, Iterable, Optional, Tuple, Union

__all__ = ["DocumentCredentials", "default", "load_credentials_from_file"]

#: Bytes read of any file: one more than the core accepts, so it can refuse it.
_MAX_FILE = _native.MAX_CREDENTIAL_FILE_SIZE + 1


def _from_native(native: Any, text: str, scopes: Any, transport: Any) -> Credentials:
    if native.kind == "external_account":
        import json

        return ExternalAccountCredentials(json.loads(text), scopes=scopes, transport=transport)
    return DocumentCredentials(native, transport)


def from_json(
    text: str,
    scopes: Union[None, str, Iterable[str]] = None,
    transport: Any = None,
    **options: Any,
) -> Credentials:
    """Credentials from a credential document's JSON text. ``options`` are the
    core's overrides: ``token_uri``, ``iam_endpoint``, ``metadata_base``,
    ``lifetime_secs``, ``delegates``, ``quota_project_id``, ``subject``."""
    if not isinstance(text, str):
        raise InvalidArgumentError("text must be a str")
    native = _native.Credentials.from_json(text, _options_json(scopes, **options))
    return _from_native(native, text, scopes, transport)


def from_info(info: Dict[str, Any], **kwargs: Any) -> Credentials:
    """Credentials from a parsed credential document (a dict)."""
    import json

    if not isinstance(info, dict):
        raise InvalidArgumentError("info must be a dict")
    return from_json(json.dumps(info), **kwargs)


def load_credentials_from_file(path: Union[str, os.PathLike[str]], **kwargs: Any) -> Credentials:
    """Credentials from a credential file (any type)."""
    with open(path, encoding="utf-8") as file:
        return from_json(file.read(_MAX_FILE), **kwargs)


def _read(adc: Any, path: str) -> None:
    try:
        with open(path, "rb") as file:
            adc.feed_file(file.read(_MAX_FILE))
    except FileNotFoundError:
        adc.feed_file_missing()
    except OSError as failure:
        adc.feed_file_error(failure.strerror or type(failure).__name__)


def default(
    scopes: Union[None, str, Iterable[str]] = None,
    transport: Any = None,
    **options: Any,
) -> Tuple[Credentials, Optional[str]]:
    """Application Default Credentials, as ``google.auth.default()`` finds them:
    ``GOOGLE_APPLICATION_CREDENTIALS``, gcloud's file, then the metadata server.
    Returns ``(credentials, project_id)``; ``CredentialsNotFoundError`` when
    there is nothing to find."""
    import os
    import time

    transport = resolve(transport)
    if is_async(transport):
        raise InvalidArgumentError("default() needs a sync transport; pass it to the credentials later")
    env = [(name, os.environ[name]) for name in _native.ADC_VARIABLES if name in os.environ]
    adc = _native.DefaultCredentials(env, os.name == "nt", _options_json(scopes, **options))
    while True:
        step = adc.poll(now())
        kind = step[0]
        if kind == "read_file":
            _read(adc, step[1])
        elif kind == "send":
            try:
                answer = _send(transport, step)
            except TransportFailure as failure:
                adc.feed_transport_error(str(failure))
                continue
            adc.feed_response(answer.status, answer.headers, answer.body)
        elif kind == "wait":
            time.sleep(max(0.0, step[1] - time.time()))
        else:
            _, native, source, path, project_id = step
            text = ""
            if native.kind == "external_account" and path is not None:
                with open(path, encoding="utf-8") as file:
                    text = file.read(_MAX_FILE)
            return _from_native(native, text, scopes, transport), project_id
