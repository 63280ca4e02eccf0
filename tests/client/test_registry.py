"""ObjectRegistry against the emulator: the object list, each object's key, business id,
replication key and queryable fields, caching (counted by the emulator) and errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from intacct import IntacctClient
from intacct.client.metadata import ObjectModel
from intacct.client.registry import ObjectInfo, ObjectRegistry
from intacct.emulator.catalog import load_catalog
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import ValidationError

CATALOG = load_catalog()


@dataclass
class Env:
    emu: InProcessEmulator
    client: IntacctClient
    registry: ObjectRegistry

    def calls(self, function: str) -> int:
        return self.emu.emulator.stats[function]


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    with (
        InProcessEmulator() as emu,
        IntacctClient.from_mapping(emu.config(), http_transport=emu.transport()) as client,
    ):
        yield Env(emu, client, ObjectRegistry(client))


@pytest.fixture
def fresh(env: Env) -> ObjectRegistry:
    """A registry with empty caches on the shared emulator."""
    return ObjectRegistry(env.client)


def test_objects_lists_the_catalog_with_one_inspect(env: Env, fresh: ObjectRegistry) -> None:
    inspects, lookups = env.calls("inspect"), env.calls("lookup")
    assert fresh.objects() == [o.name for o in CATALOG.values()]
    assert fresh.objects() == fresh.objects()
    assert env.calls("inspect") == inspects + 1
    assert env.calls("lookup") == lookups  # listing describes nothing


def test_vendor(env: Env) -> None:
    info = env.registry.get("VENDOR")
    assert isinstance(info, ObjectInfo)
    assert (info.name, info.key_field, info.id_field, info.replication_key) == (
        "VENDOR",
        "RECORDNO",
        "VENDORID",
        "WHENMODIFIED",
    )
    assert info.model is env.registry.model("VENDOR")
    assert isinstance(info.model, ObjectModel)
    assert {"RECORDNO", "VENDORID", "CREDITLIMIT", "VENDOR_TIER"} <= set(info.queryable_fields)
    assert "DISPLAYCONTACT.EMAIL1" not in info.queryable_fields
    assert "DISPLAYCONTACT.EMAIL1" in {f.name for f in info.model.fields}


def test_glaccount_business_id_is_accountno(env: Env) -> None:
    assert env.registry.get("GLACCOUNT").id_field == "ACCOUNTNO"


def test_apbill_has_no_business_id_and_no_contact_display_fields(env: Env) -> None:
    info = env.registry.get("APBILL")
    assert info.id_field is None
    assert info.key_field == "RECORDNO"
    assert not {"PAYTO.CONTACTNAME", "RETURNTO.CONTACTNAME"} & set(info.queryable_fields)


def test_audit_history_is_keyed_by_id_and_has_no_replication_key(env: Env) -> None:
    info = env.registry.get("AUDITHISTORY")
    assert (info.id_field, info.replication_key) == ("ID", None)  # no WHENMODIFIED


@pytest.mark.parametrize("name", [o.name for o in CATALOG.values()])
def test_every_object_agrees_with_the_catalog_and_queries(env: Env, name: str) -> None:
    info = env.registry.get(name)
    obj = CATALOG[name]
    fields = set(obj.field_names)
    assert info.name == name
    assert info.id_field == obj.id_field
    assert info.key_field == ("RECORDNO" if "RECORDNO" in fields else None)
    assert info.replication_key == ("WHENMODIFIED" if "WHENMODIFIED" in fields else None)
    assert set(info.queryable_fields) == {f for f in fields if "." not in f}
    refused = [f.name for f in obj.fields if not f.queryable and "." not in f.name]
    if not refused:  # the rule holds: query accepts every queryable field at once
        env.client.query(name, list(info.queryable_fields), pagesize=1)
        return
    # lookup does not say which own fields query refuses (USERINFO's USERLOCATIONS):
    # the gateway names them, in the form readers parse to drop them and go on
    with pytest.raises(ValidationError, match="cannot be queried") as refusal:
        env.client.query(name, list(info.queryable_fields), pagesize=1)
    assert all(f in str(refusal.value) for f in refused)
    kept = [f for f in info.queryable_fields if f not in refused]
    env.client.query(name, kept, pagesize=1)


@pytest.mark.parametrize(
    "name", [o.name for o in CATALOG.values() if o.id_field and o.field("RECORDNO")]
)
def test_read_by_name_finds_a_record_by_its_business_id(env: Env, name: str) -> None:
    info = env.registry.get(name)
    assert info.id_field is not None and info.key_field is not None
    # entities exist only in the multi-entity company
    config = env.emu.config("DEMO-ME" if name == "LOCATIONENTITY" else "DEMO")
    with IntacctClient.from_mapping(config, http_transport=env.emu.transport()) as client:
        rows = client.query(name, [info.key_field, info.id_field], pagesize=1).records
        assert rows, f"the demo company has no {name} records"
        (found,) = client.read_by_name(name, [rows[0][info.id_field]])
    assert found[info.key_field] == rows[0][info.key_field]


def test_lookups_are_cached(env: Env, fresh: ObjectRegistry) -> None:
    before = env.calls("lookup")
    first = fresh.get("APPYMT")
    assert fresh.get("APPYMT") is first
    assert fresh.model("APPYMT") is first.model
    assert env.calls("lookup") == before + 1
    fresh.get("ARPYMT")
    assert env.calls("lookup") == before + 2


def test_one_lookup_per_object_however_many_threads_ask(env: Env, fresh: ObjectRegistry) -> None:
    before = env.calls("lookup")
    results: list[ObjectInfo] = []
    start = threading.Barrier(8)

    def ask(name: str) -> None:
        start.wait()
        results.append(fresh.get(name))

    threads = [
        threading.Thread(target=ask, args=(name,)) for name in ["GLBATCH"] * 6 + ["CLASS"] * 2
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len({id(r) for r in results if r.name == "GLBATCH"}) == 1
    assert env.calls("lookup") == before + 2


def test_unknown_object_raises_the_gateways_error_and_is_not_cached(
    env: Env, fresh: ObjectRegistry
) -> None:
    before = env.calls("lookup")
    for _ in range(2):
        with pytest.raises(ValidationError, match="NOSUCHOBJECT"):
            fresh.get("NOSUCHOBJECT")
    assert env.calls("lookup") == before + 2  # a failure is asked again, not remembered
    with pytest.raises(ValidationError):
        fresh.model("NOSUCHOBJECT")
