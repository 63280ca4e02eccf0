"""Where ``intacct`` commands get their connection: profile > env > default > emulator."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.cli.connection import embedded_db_path, open_connection
from intacct.cli.profile_store import ProfileStore
from intacct.client import IntacctClient
from intacct.errors import ConfigError

ENV = {
    "INTACCT_SENDER_ID": "env_sender",
    "INTACCT_SENDER_PASSWORD": "env-sender-pw",
    "INTACCT_COMPANY_ID": "ENVCO",
    "INTACCT_USER_ID": "env_user",
    "INTACCT_USER_PASSWORD": "env-user-pw",
}


def _profile(name: str, company: str, *, default: bool = False) -> None:
    ProfileStore().add(
        name,
        {
            "sender_id": f"{name}_sender",
            "sender_password": "sp",
            "company_id": company,
            "user_id": "u",
            "user_password": "up",
        },
        default=default,
    )


def _env(monkeypatch: pytest.MonkeyPatch, **overrides: str | None) -> None:
    for name, value in {**ENV, **overrides}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_profile_beats_environment_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    _profile("prod", "PRODCO")
    _profile("sandbox", "SANDCO", default=True)
    _env(monkeypatch)
    with open_connection("prod") as connection:
        assert connection.config["company_id"] == "PRODCO"
        assert connection.config["user_password"] == "up"
        assert connection.source == "profile 'prod'"
        assert not connection.embedded


def test_environment_beats_default_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    _profile("sandbox", "SANDCO", default=True)
    _env(monkeypatch, INTACCT_ENTITY_ID="E100", INTACCT_API_URL="http://localhost:1/x")
    with open_connection(None) as connection:
        assert connection.source == "environment (INTACCT_*)"
        assert connection.config == {
            "sender_id": "env_sender",
            "sender_password": "env-sender-pw",
            "company_id": "ENVCO",
            "user_id": "env_user",
            "user_password": "env-user-pw",
            "entity_id": "E100",
            "api_url": "http://localhost:1/x",
        }


def test_default_profile_beats_emulator() -> None:
    _profile("sandbox", "SANDCO")  # the first profile added becomes the default
    announced: list[str] = []
    with open_connection(None, announce=announced.append) as connection:
        assert connection.source == "default profile 'sandbox'"
        assert connection.config["company_id"] == "SANDCO"
    assert announced == []
    assert not embedded_db_path().exists()


def test_missing_profile_is_an_error_naming_file_and_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _profile("sandbox", "SANDCO")
    _env(monkeypatch)  # never a fall-through to the environment
    # a bad value of --profile: click's usage error (exit 2), naming the option
    with pytest.raises(click.BadParameter) as caught, open_connection("prod"):
        pass
    said = caught.value.format_message()
    assert "'prod'" in said and "'--profile'" in said
    assert str(ProfileStore().path) in said
    assert "sandbox" in said


def test_broken_profiles_file_names_file_and_line(monkeypatch: pytest.MonkeyPatch) -> None:
    path = ProfileStore().path
    path.parent.mkdir(parents=True)
    path.write_text('[profiles.prod]\nsender_id = "x"\ncompany_id = \n')
    with pytest.raises(ConfigError) as caught, open_connection("prod"):
        pass
    assert str(path) in str(caught.value)
    assert "line 3" in str(caught.value)


def test_partial_environment_names_the_missing_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _profile("sandbox", "SANDCO")  # a default profile does not hide the mistake
    _env(monkeypatch, INTACCT_USER_PASSWORD=None, INTACCT_SENDER_PASSWORD=None)
    with pytest.raises(ConfigError) as caught, open_connection(None):
        pass
    given, missing = str(caught.value).split(" but ")
    assert "INTACCT_COMPANY_ID" in given and "INTACCT_SENDER_ID" in given
    assert "INTACCT_SENDER_PASSWORD" in missing
    assert "INTACCT_USER_PASSWORD" in missing
    assert "INTACCT_COMPANY_ID" not in missing


@pytest.mark.parametrize(
    "alone", [{"INTACCT_API_URL": "http://localhost:1/x"}, {"INTACCT_ENTITY_ID": "E100"},
              {"INTACCT_TIMEZONE": "Europe/Paris", "INTACCT_AUTH_TYPE": "login"}],
)  # fmt: skip
def test_a_connection_variable_without_the_others_is_an_error_naming_them(
    monkeypatch: pytest.MonkeyPatch, alone: dict[str, str]
) -> None:
    """Neither the default profile nor the demo emulator is used in its place: a lone
    INTACCT_API_URL would else send the profile's credentials elsewhere, or read the
    demo company while the user thinks it is theirs."""
    _profile("sandbox", "SANDCO")
    for name, value in alone.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught, open_connection(None):
        pass
    given, missing = str(caught.value).split(" but ")
    assert all(name in given for name in alone)
    assert all(name in missing for name in ENV)


def test_other_settings_apply_on_top_of_any_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    _profile("sandbox", "SANDCO")
    monkeypatch.setenv("INTACCT_TIMEOUT_S", "12")
    monkeypatch.setenv("INTACCT_LOOKBACK_MINUTES", "5")
    with open_connection(None) as connection:
        assert connection.source == "default profile 'sandbox'"
        assert connection.config["timeout_s"] == "12"
        assert connection.config["lookback_minutes"] == "5"
    monkeypatch.setenv("INTACCT_TIMEOUT_SS", "12")  # a typo is never ignored
    with pytest.raises(ConfigError, match="did you mean INTACCT_TIMEOUT_S"), open_connection(None):
        pass


def test_nothing_configured_runs_the_embedded_emulator_and_keeps_its_data() -> None:
    announced: list[str] = []
    with open_connection(None, announce=announced.append) as connection:
        assert connection.embedded
        assert connection.source == "embedded emulator (demo company DEMO)"
        assert any("embedded emulator" in line and connection.config["api_url"] in line
                   for line in announced)  # fmt: skip
        with IntacctClient.from_mapping(connection.config) as client:
            client.create("CLASS", [{"CLASSID": "CLI-KEEP", "NAME": "Kept between runs"}])
    assert embedded_db_path().exists()
    with open_connection(None) as again:
        assert again.embedded
        with IntacctClient.from_mapping(again.config) as client:
            records = client.read_by_name("CLASS", ["CLI-KEEP"])
    assert [r.get("NAME") for r in records] == ["Kept between runs"]


@pytest.mark.parametrize("command", [["sync"], ["objects"], ["doctor"]])
def test_commands_refuse_a_lone_connection_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """Not the default profile's company with another URL, not the demo company."""
    _profile("sandbox", "SANDCO")
    monkeypatch.setenv("INTACCT_API_URL", "http://127.0.0.1:9/ia/xml/xmlgw.phtml")
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: config key 'environment': INTACCT_API_URL is set")
    assert "INTACCT_SENDER_ID" in result.stderr and "INTACCT_USER_PASSWORD" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "No connection configured" not in result.output and "SANDCO" not in result.output


def test_demo_data_seeded_by_another_version_is_seeded_again() -> None:
    with open_connection(None) as connection, IntacctClient.from_mapping(connection.config) as c:
        c.create("CLASS", [{"CLASSID": "CLI-OLD", "NAME": "From another version"}])
    # as a cache left by a version whose catalog or seed differed (or that kept no stamp)
    stamp = embedded_db_path().with_name(embedded_db_path().name + ".version")
    stamp.write_text("0123456789abcdef\n")
    announced: list[str] = []
    with open_connection(None, announce=announced.append) as connection:
        assert any("again: it was seeded by another version" in line for line in announced)
        with IntacctClient.from_mapping(connection.config) as client:
            assert client.read_by_name("CLASS", ["CLI-OLD"]) == []
    assert stamp.read_text().strip() != "0123456789abcdef"
