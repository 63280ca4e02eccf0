"""The generic seeder: every catalog object has rows, and they hang together (refs name
records that exist and that the record's entity can see, lines name existing parents,
dotted related fields copy the record their relationship points at)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from intacct.emulator.catalog import Catalog, FieldDef, load_catalog
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.seed import generate
from intacct.emulator.seed.generic import rows_for
from intacct.emulator.store import DEMO_USER, Scope

SCALE = 20_000
#: (company, OBJECT) -> [(entity, row)]
Rows = dict[tuple[str, str], list[tuple[str, dict[str, Any]]]]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def demo() -> Rows:
    rows: Rows = defaultdict(list)
    for company, entity, obj, batch in generate(SCALE, 11):
        rows[company, obj].extend((entity, r) for r in batch)
    return rows


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=2_000, seed=3) as emulator:
        yield emulator


def test_every_catalog_object_has_rows_after_install(
    emulator: InProcessEmulator, catalog: Catalog
) -> None:
    store = emulator.store
    empty: list[tuple[str, str]] = []
    for company in ("DEMO", "DEMO-ME"):
        user = store.user(company, DEMO_USER[0])
        assert user is not None
        scope = Scope(company, "", user, showprivate=True)
        for obj in catalog.values():
            if company == "DEMO" and obj.name == "LOCATIONENTITY":
                continue  # entities exist only in a multi-entity company
            if store.count(obj, scope) == 0:
                empty.append((company, obj.name))
    assert empty == []


def _key_of(catalog: Catalog, f: FieldDef) -> str:
    """What a ref field holds: the target's id, or its RECORDNO for an integer *KEY."""
    target = catalog[f.ref or ""]
    id_field = target.field(target.id_field) if target.id_field else None
    if f.type == "integer" and (id_field is None or id_field.type != "integer"):
        return "RECORDNO"
    return target.id_field or "RECORDNO"


def test_refs_name_records_the_entity_can_see(demo: Rows, catalog: Catalog) -> None:
    bad: list[tuple[str, str, str, Any]] = []
    checked = 0
    for (company, name), rows in list(demo.items()):
        for f in catalog[name].fields:
            if not f.ref or "." in f.name:
                continue
            key = _key_of(catalog, f)
            have: dict[str, set[Any]] = defaultdict(set)
            for entity, target in demo.get((company, catalog[f.ref].name), []):
                have[entity].add(target.get(key))
            anywhere = set().union(*have.values())
            for entity, row in rows:
                value = row.get(f.name)
                if value is None:
                    continue
                checked += 1
                # an entity's record sees its own and top-level records
                seen = have[entity] | have[""] if entity else anywhere
                if value not in seen:
                    bad.append((company, name, f.name, value))
    assert checked > 10_000
    assert bad[:10] == []


def test_lines_belong_to_existing_parents(demo: Rows, catalog: Catalog) -> None:
    for obj in catalog.values():
        if not (obj.parent and obj.parent_key):
            continue
        for company in ("DEMO", "DEMO-ME"):
            parents = {(e, r["RECORDNO"]) for e, r in demo[company, catalog[obj.parent].name]}
            lines = demo[company, obj.name]
            assert lines, (company, obj.name)
            for entity, row in lines:
                key = row[obj.parent_key]
                assert (entity, key) in parents or ("", key) in parents, (obj.name, key)


def test_line_counts_follow_the_seed_hint(demo: Rows, catalog: Catalog) -> None:
    """A line object the generic seeder fills has seed.lines lines under every header."""
    obj = catalog["CCTRANSACTIONENTRY"]
    low, high = obj.seed.get("lines", (1, 3))
    per_parent: dict[int, int] = defaultdict(int)
    for _, row in demo["DEMO", obj.name]:
        per_parent[row[obj.parent_key or ""]] += 1
    headers = {r["RECORDNO"] for _, r in demo["DEMO", "CCTRANSACTION"]}
    assert set(per_parent) == headers
    assert {low, high} <= set(per_parent.values()) <= set(range(low, high + 1))


def test_transactional_objects_grow_with_scale(demo: Rows, catalog: Catalog) -> None:
    obj = catalog["CCTRANSACTION"]
    assert obj.seed.get("per_scale")
    assert len(demo["DEMO", obj.name]) == rows_for(obj, SCALE) > 5
    small = sum(len(b[3]) for b in generate(2_000, 11) if b[:3] == ("DEMO", "", obj.name))
    assert small < len(demo["DEMO", obj.name])


def test_entity_scoped_rows_are_split_over_entities(demo: Rows, catalog: Catalog) -> None:
    obj = catalog["CCTRANSACTION"]
    assert obj.entity_scoped
    entities = {e for e, _ in demo["DEMO-ME", obj.name]}
    assert entities == {"E100", "E200"}
    for entity, row in demo["DEMO-ME", obj.name]:
        assert row["MEGAENTITYID"] == entity


def test_dotted_fields_copy_the_related_record(demo: Rows) -> None:
    logins = {r["RECORDNO"]: r["LOGINID"] for _, r in demo["DEMO", "USERINFO"]}
    members = demo["DEMO", "MEMBERUSERGROUP"]
    assert members
    for _, row in members:
        assert row["USERINFO.LOGINID"] == logins.get(row["USERKEY"])
    entries = {r["RECORDNO"]: r for _, r in demo["DEMO", "TIMESHEETENTRY"]}
    approvals = [r for _, r in demo["DEMO", "TIMESHEETAPPROVAL"]]
    assert any(r["TIMESHEETENTRYKEY"] for r in approvals)
    for row in approvals:
        entry = entries.get(row["TIMESHEETENTRYKEY"], {})
        assert row["TIMESHEETENTRY.RECORDNO"] == entry.get("RECORDNO")
        assert row["TIMESHEETENTRY.LINENO"] == entry.get("LINENO")


def test_generic_values_fit_their_fields(demo: Rows, catalog: Catalog) -> None:
    """Enums carry display values (never codes), text stays within its length."""
    problems: list[tuple[str, str, Any]] = []
    for (_, name), rows in demo.items():
        for f in catalog[name].fields:
            for _, row in rows[:50]:
                value = row.get(f.name)
                if value is None:
                    continue
                if f.type == "enum" and value not in f.values:
                    problems.append((name, f.name, value))
                if isinstance(value, str) and f.maxlength and len(value) > f.maxlength:
                    problems.append((name, f.name, value))
    assert problems[:10] == []


def test_same_seed_same_generic_rows() -> None:
    def generic(seed: int) -> list[Any]:
        return [b for b in generate(2_000, seed) if b[2] in ("CCTRANSACTION", "MEMBERUSERGROUP")]

    assert generic(5) == generic(5)
    assert generic(5) != generic(6)
