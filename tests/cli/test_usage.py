"""What every ``intacct`` command says of a usage mistake (issue 46): a misspelt command
gets the command meant; with ``--log-format json`` the mistake is one JSON record on
stderr, even one click meets before it has read ``--log-format``; and every ``-h``
screen is within 80 columns."""

from __future__ import annotations

import json
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from intacct.cli import main


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["snyc"], "No such command 'snyc'. Did you mean 'sync'?"),
        (["profiles", "lst"], "No such command 'lst'. Did you mean 'list'?"),
        (["state", "shw"], "No such command 'shw'. Did you mean 'show'?"),
    ],
)
def test_a_misspelt_command_gets_the_command_meant(args: list[str], said: str) -> None:
    code, _, err = invoke(*args)
    assert code == 2 and said in err, err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["sync", "--log-format", "json", "--bogus"], "No such option '--bogus'"),
        (["sync", "--bogus", "--log-format", "json"], "No such option '--bogus'"),
        (["sync", "--log-format", "json", "--objects"], "'--objects' requires an argument"),
        (["doctor", "--log-format=json", "--objects"], "'--objects' requires an argument"),
        (["snyc", "--log-format", "json"], "Did you mean 'sync'?"),
        (["sync", "--log-format", "json", "--follow", "--dry-run"], "--follow reads and"),
    ],
)
def test_with_json_logs_a_usage_mistake_is_one_json_record(args: list[str], said: str) -> None:
    """Click reads the options before any runs: a mistake it meets first was plain
    text ("Usage: ... Error: ...") in a stream of JSON lines."""
    code, out, err = invoke(*args)
    assert code == 2 and out == ""
    (record,) = [json.loads(line) for line in err.splitlines()]  # one line, JSON
    assert set(record) == {"time", "level", "logger", "message", "exit_status"}
    assert record["level"] == "ERROR" and record["exit_status"] == 2
    assert said in record["message"], record


def test_without_json_logs_a_usage_mistake_is_text() -> None:
    code, _, err = invoke("sync", "--objects", "CLASS", "--", "--log-format", "json")
    assert code == 2 and err.startswith("Usage: ") and "unexpected extra arguments" in err


def _commands(command: click.Command, path: list[str]) -> Iterator[list[str]]:
    """``command``'s path and, for a group, every command under it."""
    yield path
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            below = command.get_command(ctx, name)
            assert below is not None
            yield from _commands(below, [*path, name])


@pytest.mark.parametrize("path", list(_commands(main, [])), ids=" ".join)
def test_every_help_screen_fits_80_columns(path: list[str]) -> None:
    """In a terminal of 80 columns and in a pipe (click wraps to 80 there too): `intacct
    emulator serve -h` was 97 wide."""
    code, out, _ = invoke(*path, "-h", env={"COLUMNS": "80"})
    assert code == 0 and "Usage:" in out
    assert [line for line in out.splitlines() if len(line) > 80] == []
