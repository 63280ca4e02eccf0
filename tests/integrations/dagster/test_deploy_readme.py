"""examples/dagster-deploy/README.md against the example's files: every variable the
files read is in its table, and those the files need are set by its commands; the files
name no machine's folder, address or port (each comes from a variable); and the first
runs the sensor queues are described as the shards the example's tenants make. (Its
commands are run as written by tests/deployment.py and tests/paths/
test_deploy_postgres.py.)"""

from __future__ import annotations

import re

import yaml

from intacct.integrations.dagster.once import in_shard
from tests.deployment import EXAMPLE

README = (EXAMPLE / "README.md").read_text(encoding="utf-8")
CONFIG = ("dagster.yaml", "workspace.yaml", "tenants.yaml")


def _required() -> set[str]:
    """The variables the example's YAML files read ({env: NAME}: no default)."""
    text = "".join((EXAMPLE / name).read_text(encoding="utf-8") for name in CONFIG)
    return set(re.findall(r"\{env: (\w+)\}", text))


def _optional() -> set[str]:
    text = (EXAMPLE / "definitions.py").read_text(encoding="utf-8")
    return set(re.findall(r"os\.environ\.get\(\"(\w+)\"", text))


def test_every_variable_is_documented_and_the_required_set() -> None:
    table = set(re.findall(r"^\| `(\w+)`|, `(\w+)`", README, re.M))
    documented = {name for pair in table for name in pair if name}
    assert _required() | _optional() <= documented, (_required() | _optional()) - documented
    exported = set(re.findall(r"(?:export|\s)(\w+)=", "\n".join(
        line for line in README.splitlines() if line.startswith("export ")
    )))  # fmt: skip
    assert _required() <= exported, _required() - exported


def test_the_files_name_no_folder_address_or_port() -> None:
    for name in (*CONFIG, "definitions.py"):
        text = (EXAMPLE / name).read_text(encoding="utf-8")
        code = "\n".join(line.split("#")[0] for line in text.splitlines())  # not comments
        assert not re.search(r"/tmp|127\.0\.0\.1|localhost|:\d{2,5}\b", code), name
    assert "/tmp" not in README


def test_the_first_runs_are_described_as_the_shards_make_them() -> None:
    tenants = yaml.safe_load((EXAMPLE / "tenants.yaml").read_text(encoding="utf-8"))
    companies = [t["company_id"] for t in tenants["tenants"]]
    definitions = (EXAMPLE / "definitions.py").read_text(encoding="utf-8")
    found = re.search(r'"INTACCT_FLEET_SHARDS", "(\d+)"', definitions)
    assert found, "definitions.py's default shards"
    text = " ".join(README.split())
    assert "queues a first run of each shard" in text
    count = int(found.group(1))
    for shard in (f"{i}/{count}" for i in range(1, count + 1)):
        mine = in_shard(companies, shard)
        if mine:
            assert f"`{shard}` ({_listing(companies, mine)})" in text, shard


def _listing(companies: list[str], mine: list[str]) -> str:
    """FLEET0004, or a run of the list as FLEET0001-FLEET0003, or each named."""
    if len(mine) == 1:
        return mine[0]
    start = companies.index(mine[0])
    if companies[start : start + len(mine)] == mine:
        return f"{mine[0]}-{mine[-1]}"
    return ", ".join(mine)
