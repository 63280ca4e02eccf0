"""Usage mistakes said as a person needs them: a misspelt command gets the command
meant (click suggests none for a group whose commands are loaded on first use), and
with ``--log-format json`` a usage mistake is one JSON record on stderr like every
other line, even when it comes before click has read ``--log-format`` (an unknown
option, a missing value, an unknown command)."""

from __future__ import annotations

import difflib
import itertools
import logging
from collections.abc import Sequence
from typing import Any

import click

from intacct.logging import configure

__all__ = ["Group", "asks_json", "json_error"]


class Group(click.Group):
    """A group that names the command meant for a misspelt one."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if (
            name[:1] not in ("", "-")
            and not ctx.resilient_parsing
            and self.get_command(ctx, name) is None
        ):
            near = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise click.UsageError(f"No such command {name!r}.{hint}", ctx)
        return super().resolve_command(ctx, args)


def asks_json(args: Sequence[str]) -> bool:
    """Whether the command line gives ``--log-format json`` (before any ``--``)."""
    words = list(itertools.takewhile(lambda word: word != "--", args))
    return "--log-format=json" in words or ("--log-format", "json") in itertools.pairwise(words)


def json_error(exc: click.ClickException) -> None:
    """The line that ends a failed command as a JSON record (time, level, logger,
    message, exit_status); a usage mistake's message says where help is."""
    configure(log_format="json")  # a usage mistake may come before --log-format is read
    text = exc.format_message()
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        text += f" ({exc.ctx.command_path} -h for help)"
    fields: dict[str, Any] = {"exit_status": exc.exit_code}
    logging.getLogger("intacct.cli").error(text, extra={"fields": fields})
