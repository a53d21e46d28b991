"""Credentials from a credential document of any type, and Application
Default Credentials: the core reads the document and decides the lookup
order, paths, detection and every default; this module answers its questions
(environment variables, file contents, HTTP) and keeps the tokens cached."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~10 ms to import; only the type checker needs it

from . import _native
from ._credentials import Credentials, DocumentCredentials, ExternalAccountCredentials, _options_json
from ._transport import drive, is_async, resolve
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    import os
    from typing import Any, Dict, Iterable, Optional, Tuple, Union

__all__ = ["DocumentCredentials", "default", "load_credentials_from_file"]

#: Bytes read of any file: one more than the core accepts, so it can refuse it.
_MAX_FILE = _native.MAX_CREDENTIAL_FILE_SIZE + 1


def _from_native(native: Any, transport: Any) -> Credentials:
    if native.kind == "external_account":
        return ExternalAccountCredentials._of(native, transport)
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
    return _from_native(native, transport)


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

    transport = resolve(transport)
    if is_async(transport):
        raise InvalidArgumentError("default() needs a sync transport; pass it to the credentials later")
    env = [(name, os.environ[name]) for name in _native.ADC_VARIABLES if name in os.environ]
    adc = _native.default_credentials(env, os.name == "nt", _options_json(scopes, **options))
    native, _source, _path, project_id = drive(adc, transport)
    return _from_native(native, transport), project_id
