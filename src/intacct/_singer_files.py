"""The files a Singer executable is given (``--config``, ``--catalog``, ``--state``):
each must hold a JSON object, or the executable ends with one line naming the option,
the file and what is wrong with it (a ConfigError), never singer-sdk's traceback."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import IO

import click

from intacct.config import parse_json_object, read_json_object

__all__ = ["check_config_files", "json_object_option"]


def check_config_files(paths: Sequence[str]) -> None:
    """Every ``--config`` path but ``ENV`` (singer-sdk's "read the environment")."""
    for path in paths:
        if path != "ENV":
            read_json_object(path, "--config")


def json_object_option(
    ctx: click.Context, param: click.Parameter, value: IO[str] | None
) -> IO[str] | None:
    """A click callback for an option opened as a file: its text, checked to be a JSON
    object, handed on as a fresh file."""
    if value is None:
        return None
    text = value.read()
    try:
        parse_json_object(text, f"--{param.name}", str(getattr(value, "name", "?")))
    except Exception:
        # the run ends while its arguments are parsed, before click would close the
        # files it opened for them
        ctx.close()
        raise
    return io.StringIO(text)
