"""``intacct sync``'s usage mistakes (issue 46): an option that does not go with the
others given is refused, not ignored; a mistake in an option's value names the option
(not the config key it sets) and is exit status 2; every unknown object is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer

from .conftest import billed, use_env


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["sync", *args])
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("options", "said"),
    [
        # ignored, they would look applied: a dry run that followed nothing, a run that
        # read once whatever --safety-minutes said
        (["--follow", "--dry-run"], "--follow reads and writes; --dry-run neither"),
        (["--safety-minutes", "5"], "--safety-minutes goes with --follow"),
        (["--notices", "queue.sqlite"], "--notices goes with --follow"),
        (["--dry-run", "--safety-minutes", "5"], "--safety-minutes goes with --follow"),
        # not "config key 'entity_ids'", nor every object failing on "config key 'api'"
        # (this connection has no OAuth app)
        (["--entities", "all,E100"], "--entities: 'all' cannot be combined with entity ids"),
        (
            ["--api", "rest"],
            "--api: api rest reads through the REST API, which needs the OAuth "
            "app's client_id and client_secret",
        ),
    ],
)
def test_an_options_mistake_is_refused_naming_the_option(
    monkeypatch: pytest.MonkeyPatch,
    server: EmulatorServer,
    tmp_path: Path,
    options: list[str],
    said: str,
) -> None:
    """Exit status 2, before anything is read or written."""
    use_env(monkeypatch, server.url)
    before = billed(server)
    code, err = run("--objects", "CLASS,VENDOR", *options)
    assert code == 2 and said in err and "config key" not in err, err
    assert billed(server) == before and list(tmp_path.glob("*.duckdb")) == []


def test_a_profiles_setting_is_named_as_the_config_key(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    """The same mistake from the environment is not an option's: it names the key."""
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_ENTITY_IDS", "all,E100")
    code, err = run("--objects", "CLASS")
    assert code == 1 and "config key 'entity_ids': 'all' cannot be combined" in err, err


def test_every_unknown_object_is_named_with_its_near_misses(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    code, err = run("--objects", "VENDR,CLASS,APBIL")
    assert code == 2, err
    assert "--objects: the company has no objects 'VENDR' (did you mean VENDOR" in err
    assert "'APBIL' (did you mean APBILL" in err and "config key" not in err


def test_follow_with_nothing_configured_says_what_to_configure() -> None:
    """The embedded emulator's notices can reach no receiver: following it would wait
    for ever (exit status 2, before the emulator starts)."""
    code, err = run("--follow")
    assert code == 2 and "--follow reads the notices of a configured connection" in err, err
    assert "embedded emulator" in err and "Try it offline" in err
