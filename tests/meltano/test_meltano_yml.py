"""meltano.yml declares what the executables accept, so it cannot drift from them: every
setting ``--about`` lists, with the Meltano kind that hands the executable the JSON type
its schema wants (a number set through an environment variable arrives as text
otherwise, and fails the tap's config validation), the required settings as Meltano's
settings group, the capabilities, and the tap's default selection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from intacct.config import KEYS
from intacct.sync import DEFAULT_OBJECTS

ROOT = Path(__file__).resolve().parents[2]
EXECUTABLES = {
    "tap-sage-intacct": "from intacct.tap import main; main()",
    "target-sage-intacct": "from intacct.target import main; main()",
}
#: capabilities singer-sdk reports that Meltano's meltano.yml schema has no name for
NOT_MELTANO_CAPABILITIES = {"validate-records"}
_KINDS = {
    "string": "string",
    "boolean": "boolean",
    "integer": "integer",
    "object": "object",
    "array": "array",
    # not "decimal": Meltano 4.4 turns an environment variable of that kind into a
    # Decimal and then fails to write the plugin's config ("Object of type Decimal is not
    # JSON serializable"); an integer kind casts "30" to 30 and leaves a YAML 2.5 as it is
    "number": "integer",
}


def meltano_yml() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "meltano.yml").read_text())
    return loaded


def plugin(name: str) -> dict[str, Any]:
    plugins = meltano_yml()["plugins"]
    return next(p for group in plugins.values() for p in group if p["name"] == name)


def about(executable: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", EXECUTABLES[executable], "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def declaration(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """How meltano.yml should declare a setting with this JSON schema."""
    if "enum" in schema:
        options = [{"label": value, "value": value} for value in schema["enum"]]
        return {"name": name, "kind": "options", "options": options}
    variants = schema.get("anyOf", [schema])
    types = set()
    for variant in variants:
        found = variant.get("type", []) if isinstance(variant, dict) else []
        types |= {found} if isinstance(found, str) else set(found)
    types.discard("null")
    kind = "array" if "array" in types else _KINDS[types.pop()]
    if schema.get("format") == "date-time":
        kind = "date_iso8601"
    return {"name": name, "kind": kind, **({"sensitive": True} if schema.get("secret") else {})}


@pytest.mark.parametrize("executable", list(EXECUTABLES))
def test_every_setting_is_declared_with_its_kind(executable: str) -> None:
    settings = about(executable)["settings"]["properties"]
    expected = [
        declaration(name, schema)
        for name, schema in settings.items()
        if not schema.get("description", "").startswith("ignored")
    ]
    assert plugin(executable)["settings"] == expected


@pytest.mark.parametrize("executable", list(EXECUTABLES))
def test_required_settings_and_capabilities_match_about(executable: str) -> None:
    described = about(executable)
    declared = plugin(executable)
    # a group is a set to Meltano (singer-sdk 0.55 sorts --about's required list); one
    # group per way to sign in: a user's password, or (auth_type oauth) the OAuth app
    required = set(described["settings"]["required"])
    password = required | {k.name for k in KEYS if k.unless}
    oauth = required | {k.name for k in KEYS if k.when} | {k.when[0] for k in KEYS if k.when}
    groups = [sorted(group) for group in declared["settings_group_validation"]]
    assert groups == [sorted(password), sorted(oauth)]
    assert declared["capabilities"] == [
        c for c in described["capabilities"] if c not in NOT_MELTANO_CAPABILITIES
    ]
    assert declared["pip_url"] == "-e ."  # this checkout, not a release from PyPI


def test_the_tap_selects_what_intacct_sync_reads_by_default() -> None:
    """Meltano selects with ``select`` alone (it deselects everything, then applies the
    patterns; without any it reads every stream), so the default is spelled out."""
    assert plugin("tap-sage-intacct")["select"] == [f"{name}.*" for name in DEFAULT_OBJECTS]
