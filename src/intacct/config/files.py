"""JSON files given on a command line (``--config``, ``--state``), read into objects
with errors that name the option and the file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from intacct.errors import ConfigError

__all__ = ["parse_json_object", "read_json_object"]


def read_json_object(path: str | os.PathLike[str], option: str) -> dict[str, Any]:
    """The JSON object in the file at ``path``, given as ``option`` (``--config``,
    ``--state``...); a ConfigError naming the option, the file and what is wrong with
    it otherwise (missing, unreadable, not JSON, not an object)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(option, f"{os.fspath(path)}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(option, f"{os.fspath(path)}: is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(option, f"{os.fspath(path)}: {problem}") from None
    return parse_json_object(text, option, os.fspath(path))


def parse_json_object(text: str, option: str, name: str) -> dict[str, Any]:
    """``text``, the content of the file ``name`` given as ``option``, as a JSON object;
    a ConfigError naming them otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(option, f"{name}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else type(value).__name__
        raise ConfigError(option, f"{name}: must hold a JSON object, not {kind}")
    return value
