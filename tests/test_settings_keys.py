"""Every setting is declared once, in the table of :mod:`intacct.config.keys`: each key is
read by exactly the settings object its owner names, given on exactly the surfaces the
table lists (the Singer schemas, profiles, ``INTACCT_*``, tenant files) and documented
in docs/ARCHITECTURE.md; nothing on any surface is missing from the table. Adding a key
is one entry there (and its field): these tests say what else is wrong."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import keyring
import pytest
import yaml
from click.testing import CliRunner
from keyring.backends.fail import Keyring as FailKeyring

from intacct.cli import main
from intacct.cli.connection import open_connection
from intacct.cli.notices import SMART_EVENT_TOKEN
from intacct.cli.profile_store import DESTINATION, ProfileStore
from intacct.config import KEYS, SECRETS, ClientConfig, Key, Owner, Surface, names_on, owned_by
from intacct.config.parsers import (
    Choice,
    Entities,
    Flag,
    Integer,
    Seconds,
    Timestamp,
    Url,
    Zone,
)
from intacct.errors import ConfigError
from intacct.integrations.dagster.tenants import load_tenants
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings
from intacct.target.settings import WriteOptions

ROOT = Path(__file__).resolve().parents[1]
#: every key some configuration needs (the OAuth app's too, so auth_type may be oauth)
REQUIRED = {k.name: f"{k.name}-value" for k in KEYS if k.required or k.when}


SAMPLES: dict[type, Any] = {
    Seconds: 1,
    Flag: True,
    Timestamp: "2024-01-31",
    Entities: "E1",
    Url: "https://example.invalid/ia/xml/xmlgw.phtml",
    Zone: "UTC",
}


def sample(key: Key) -> Any:
    """A valid value of ``key``, as a user would write it (text: any)."""
    parser = key.parser
    if isinstance(parser, Choice):
        return parser.choices[-1]
    if isinstance(parser, Integer):
        return parser.low
    return SAMPLES.get(type(parser), "x")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No INTACCT_* variable, profile or keyring of this machine's."""
    for name in [n for n in os.environ if n.startswith("INTACCT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    yield
    keyring.set_keyring(previous)


# -- what each surface takes, found through its own interface ------------------------


def takes(call: Callable[[], Any], refusal: str) -> bool:
    """Whether ``call`` takes what it is given: False when it refuses with ``refusal``
    (a key it does not know); any other error fails the test."""
    try:
        call()
    except ConfigError as exc:
        if refusal not in exc.problem:
            raise
        return False
    return True


def on_tap(_: pytest.MonkeyPatch, __: Path) -> set[str]:
    from intacct.tap.settings import CONFIG_SCHEMA

    return set(CONFIG_SCHEMA["properties"])


def on_target(_: pytest.MonkeyPatch, __: Path) -> set[str]:
    from intacct.target.settings import CONFIG_SCHEMA

    return set(CONFIG_SCHEMA["properties"])


def on_profile(_: pytest.MonkeyPatch, __: Path) -> set[str]:
    """The keys a profile keeps: each added alone (with the required ones) and read
    back; one a profile does not take is refused as unknown."""
    store, kept = ProfileStore(), set(REQUIRED)
    for key in KEYS:
        store.add("p", {**REQUIRED, key.name: sample(key)})
        if takes(lambda: store.config("p"), "unknown key"):
            kept |= set(store.config("p"))
    return kept


def on_profile_options(_: pytest.MonkeyPatch, __: Path) -> set[str]:
    """``intacct profiles add``'s options (a secret's ``--<key>-env`` aside)."""
    said = CliRunner().invoke(main, ["profiles", "add", "--help"]).stdout
    options = {o.replace("-", "_") for o in re.findall(r"^\s+--([a-z-]+)", said, re.M)}
    # the command's own options (a person's consent, a check), not keys
    own = {"default", "help", "consent", "paste", "redirect_uri", "check"}
    return {o for o in options if not o.endswith("_env")} - own


def on_env(monkeypatch: pytest.MonkeyPatch, _: Path) -> set[str]:
    """The keys an ``INTACCT_<KEY>`` variable gives an ``intacct`` command."""
    taken: set[str] = set()

    def connect() -> None:
        with open_connection(None) as connection:
            taken.update(connection.config)

    for key in KEYS:
        for name, value in {**REQUIRED, key.name: sample(key)}.items():
            monkeypatch.setenv(f"INTACCT_{name.upper()}", str(value))
        takes(connect, "unknown variable")  # a near miss of a known one
        monkeypatch.delenv(f"INTACCT_{key.name.upper()}")
    return taken


def on_tenant(_: pytest.MonkeyPatch, folder: Path) -> set[str]:
    """The keys a tenant file's tenant takes (a secret only as a reference)."""
    taken, path = {"company_id"}, folder / "tenants.yaml"
    for key in KEYS:
        value = {"env": "SOME_SECRET"} if key.secret else sample(key)
        path.write_text(yaml.safe_dump({"tenants": [{"company_id": "C", key.name: value}]}))
        if takes(lambda: load_tenants(path), "unknown key"):
            taken.add(key.name)
    return taken


SURFACES: dict[str, tuple[Surface, Callable[[pytest.MonkeyPatch, Path], set[str]]]] = {
    "tap schema": (Surface.TAP, on_tap),
    "target schema": (Surface.TARGET, on_target),
    "profile file": (Surface.PROFILE, on_profile),
    "profiles add": (Surface.PROFILE, on_profile_options),
    "INTACCT_* variables": (Surface.ENV, on_env),
    "tenant file": (Surface.TENANT, on_tenant),
}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_every_key_is_on_exactly_its_surfaces(
    surface: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    declared, found = SURFACES[surface]
    assert found(monkeypatch, tmp_path) == names_on(declared)


def test_each_owner_reads_exactly_its_keys() -> None:
    def owned(*owners: Owner) -> set[str]:
        return {k.name for k in owned_by(*owners)}

    assert {f.name for f in fields(ClientConfig)} == owned(Owner.CONNECTION, Owner.TUNING)
    assert owned(Owner.REPLICATION) == ReplicationSettings.KEYS
    assert {f.name for f in fields(ReplicationSettings)} >= ReplicationSettings.KEYS
    assert {f.name for f in fields(WriteOptions)} == owned(Owner.WRITES)
    assert owned(Owner.SYNC) == {DESTINATION, *SyncSettings.KEYS}
    assert {f.name for f in fields(SyncSettings)} >= SyncSettings.KEYS
    assert owned(Owner.NOTICES) == {SMART_EVENT_TOKEN}
    assert len({k.name for k in KEYS}) == len(KEYS)


def test_defaults_are_the_tables() -> None:
    client = ClientConfig.from_mapping(REQUIRED)
    made: dict[Owner, Any] = {
        Owner.CONNECTION: client,
        Owner.TUNING: client,
        Owner.REPLICATION: ReplicationSettings(),
        Owner.WRITES: WriteOptions(),
        Owner.SYNC: SyncSettings(),
    }
    for key in KEYS:
        if key.name == DESTINATION:  # --db's default: the CLI or the tenant chooses
            continue
        if key.owner in made and not key.required and key.name not in REQUIRED:
            assert getattr(made[key.owner], key.name) == key.default, key.name


def test_secrets_are_never_shown() -> None:
    hidden = {f.name for f in fields(ClientConfig) if not f.repr}
    assert set(SECRETS) == {k.name for k in KEYS if k.secret}
    client = tuple(k.name for k in owned_by(Owner.CONNECTION, Owner.TUNING) if k.secret)
    assert hidden == set(client) == set(SECRETS) - {SMART_EVENT_TOKEN}
    values = {**REQUIRED, **{name: f" {name}-secret " for name in client}}
    config = ClientConfig.from_mapping(values)
    assert "secret" not in repr(config)
    assert config.secrets == tuple(values[name] for name in client)  # kept as given


@pytest.mark.parametrize("key", KEYS, ids=[k.name for k in KEYS])
def test_a_bad_value_is_an_error_naming_the_key(key: Key) -> None:
    with pytest.raises(ConfigError) as info:
        key.parse(object())
    assert info.value.key == key.name


def test_architecture_lists_every_key_with_its_owner_and_surfaces() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("### Config keys", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \| [^|]+ \| ([^|]+) \|$", section, re.M)
    documented = {name: (owner.strip(), set(on.strip().split(", "))) for name, owner, on in rows}
    assert documented == {k.name: (k.owner.value, {s.value for s in k.on}) for k in KEYS}
