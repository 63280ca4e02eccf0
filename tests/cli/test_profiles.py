"""``intacct profiles``: the file, its permissions, where secrets live, and errors."""

from __future__ import annotations

import re
import stat
import tomllib

import keyring
import keyring.backend
import keyring.errors
import pytest
import tomli_w
from click.testing import CliRunner

from intacct.cli import main
from intacct.cli.connection import open_connection
from intacct.cli.profile_store import ProfileStore
from intacct.errors import ConfigError

ADD = ["profiles", "add", "prod", "--sender-id", "acme_sender", "--company-id", "ACME"]
ADD += ["--user-id", "ws_user"]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A working OS keyring stand-in (this machine's backend is keyring's 'fail' one)."""

    # below keyring's "fail" backend (0): defining the class registers it, and it must
    # only be in use where a test installs it
    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


pytestmark = pytest.mark.usefixtures("no_keyring")


@pytest.fixture
def memory_keyring(no_keyring: None) -> MemoryKeyring:
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    return ring


def _run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.output


def test_add_prompts_hidden_passwords_into_a_private_file_without_a_keyring() -> None:
    code, output = _run(*ADD, input="sender-secret\nuser-secret\n")
    assert code == 0, output
    assert "sender-secret" not in output and "user-secret" not in output
    path = ProfileStore().path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with open_connection("prod") as connection:
        assert connection.config["sender_password"] == "sender-secret"
        assert connection.config["user_password"] == "user-secret"
        assert connection.config["company_id"] == "ACME"


def test_show_says_where_secrets_come_from_and_never_prints_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_SENDER_PW", "sender-secret")
    _run(*ADD, "--sender-password-env", "ACME_SENDER_PW", "--user-password", "user-secret")
    code, output = _run("profiles", "show", "prod")
    assert code == 0, output
    assert "sender_password: from environment variable ACME_SENDER_PW" in output
    assert f"user_password: from {ProfileStore().path}" in output
    assert "company_id = ACME" in output
    assert "sender-secret" not in output and "user-secret" not in output
    with open_connection("prod") as connection:
        assert connection.config["sender_password"] == "sender-secret"


def test_show_says_a_secret_is_not_set_and_whether_it_is_needed() -> None:
    """Not "from not set": a secret with no source is not set, needed or not."""
    _run(*ADD, "--sender-password", "sp", "--user-password", "up")
    path = ProfileStore().path
    data = tomllib.loads(path.read_text())
    del data["profiles"]["prod"]["user_password"]  # as a hand-edited file may be
    path.write_text(tomli_w.dumps(data))
    code, output = _run("profiles", "show", "prod")
    assert code == 0, output
    assert "user_password: not set, yet needed to sign in" in output
    assert "client_secret: not set\n" in output  # auth_type session: no OAuth app
    assert "from not set" not in output


def test_secrets_go_to_a_working_keyring_not_the_file(memory_keyring: MemoryKeyring) -> None:
    code, output = _run(*ADD, "--sender-password", "sp-1", "--user-password", "up-1")
    assert code == 0, output
    assert "OS keyring" in output
    assert "up-1" not in ProfileStore().path.read_text()
    assert memory_keyring.entries[("intacct-connector", "prod:user_password")] == "up-1"
    assert "user_password: from OS keyring" in _run("profiles", "show", "prod")[1]
    with open_connection("prod") as connection:
        assert connection.config["user_password"] == "up-1"
    assert _run("profiles", "remove", "prod")[0] == 0
    assert memory_keyring.entries == {}


class BrokenKeyring(MemoryKeyring):
    """A backend that is there but cannot store (a locked or headless secret service)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("locked")


def test_a_keyring_that_cannot_store_falls_back_to_the_private_file(no_keyring: None) -> None:
    keyring.set_keyring(BrokenKeyring())
    code, output = _run(*ADD, "--sender-password", "sp", "--user-password", "up")
    assert code == 0, output
    assert f"passwords: {ProfileStore().path} (mode 0600)" in output
    with open_connection("prod") as connection:
        assert connection.config["user_password"] == "up"


def test_a_readable_file_with_secrets_is_refused_with_the_chmod_line() -> None:
    _run(*ADD, "--sender-password", "sp", "--user-password", "up")
    path = ProfileStore().path
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=re.escape(f"chmod 600 {path}")), open_connection("prod"):
        pass


def test_list_marks_the_default_and_remove_forgets_it() -> None:
    _run(*ADD, "--sender-password", "sp", "--user-password", "up")
    _run(*ADD[:2], "sandbox", *ADD[3:], "--sender-password", "sp", "--user-password", "up",
         "--entity-id", "E100", "--default")  # fmt: skip
    code, output = _run("profiles", "list")
    assert code == 0  # the names in a column, as wide as the longest
    assert output.splitlines() == ["  prod     ws_user@ACME", "* sandbox  ws_user@ACME/E100"]
    assert _run("profiles", "remove", "sandbox")[0] == 0
    assert _run("profiles", "list")[1].splitlines() == ["  prod  ws_user@ACME"]
    code, output = _run("profiles", "remove", "sandbox")
    assert code == 1 and "no profile 'sandbox'" in output


def test_bad_toml_is_one_line_with_file_and_line() -> None:
    path = ProfileStore().path
    path.parent.mkdir(parents=True)
    path.write_text('default = "prod"\n[profiles.prod]\nsender_id = acme\n')
    code, output = _run("profiles", "list")
    assert code == 1
    assert len(output.strip().splitlines()) == 1
    assert str(path) in output and "line 3" in output


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-8"])
def test_a_file_saved_as_utf16_or_with_a_bom_is_read(encoding: str) -> None:
    """What Windows editors write: UTF-16 with a byte order mark, UTF-8 with one."""
    _run(*ADD, "--sender-password", "sp", "--user-password", "up")
    path = ProfileStore().path
    text = path.read_text(encoding="utf-8") + "# café\n"
    bom = "\ufeff" if encoding == "utf-16-be" else ""  # utf-16 and utf-8-sig write one
    path.write_bytes((bom + text).encode(encoding))
    code, output = _run("profiles", "list")
    assert (code, output) == (0, "* prod  ws_user@ACME\n")
    assert _run("profiles", "show", "prod")[0] == 0


def test_a_file_in_another_encoding_is_one_line_with_the_fix() -> None:
    path = ProfileStore().path
    path.parent.mkdir(parents=True)
    path.write_bytes('# Zürich office\ndefault = "prod"\n'.encode("latin-1"))
    for command in (["profiles", "list"], ["sync", "--objects", "CLASS"]):
        code, output = _run(*command)
        assert code == 1 and "Traceback" not in output
        assert len(output.strip().splitlines()) == 1, output
        assert f"{path} is not UTF-8 text" in output and "save it as UTF-8" in output


def test_unknown_key_in_a_profile_is_named() -> None:
    _run(*ADD, "--sender-password", "sp", "--user-password", "up")
    path = ProfileStore().path
    path.write_text(path.read_text() + 'compnay_id = "X"\n')
    typo = r"compnay_id.*did you mean 'company_id'"
    with pytest.raises(ConfigError, match=typo), open_connection("prod"):
        pass


def test_add_refuses_an_invalid_setting() -> None:
    code, output = _run(*ADD, "--sender-password", "sp", "--user-password", "up",
                        "--api-url", "ftp://example.com")  # fmt: skip
    assert code == 1
    assert "api_url" in output
    assert not ProfileStore().path.exists()


def test_adding_a_name_that_exists_says_it_replaced_it() -> None:
    code, output = _run(*ADD, "--sender-password", "sp", "--user-password", "up")
    assert code == 0 and output.startswith("Saved profile 'prod'")
    code, output = _run(*ADD, "--sender-password", "sp2", "--user-password", "up2")
    assert code == 0 and output.startswith("Replaced the earlier profile 'prod'")
