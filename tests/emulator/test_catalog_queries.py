"""Every catalog object through the gateway: ``lookup`` lists all of its fields, and a
``query`` selecting every queryable field succeeds (so no catalog field is one the
emulator cannot store or render). One client call per object keeps it quick."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intacct import IntacctClient
from intacct.emulator.catalog import ObjectDef, load_catalog
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer

CATALOG = load_catalog()
OBJECTS = sorted(CATALOG)


@pytest.fixture(scope="module")
def client(server: EmulatorServer) -> Iterator[IntacctClient]:
    with IntacctClient.from_mapping({**client_config(server.url), "timeout_s": 30}) as made:
        yield made


def _queryable(obj: ObjectDef) -> list[str]:
    return [f.name for f in obj.fields if f.queryable]


@pytest.mark.parametrize("name", OBJECTS)
def test_lookup_lists_every_field(client: IntacctClient, name: str) -> None:
    model = client.lookup(name)
    assert [f.name for f in model.fields] == CATALOG[name].field_names


@pytest.mark.parametrize("name", OBJECTS)
def test_query_of_every_queryable_field(client: IntacctClient, name: str) -> None:
    obj = CATALOG[name]
    fields = _queryable(obj)
    assert fields, f"{name} has no queryable field"
    page = client.query(name, fields, pagesize=5)
    assert page.ok, page.errors
    for record in page.records:
        assert list(record.fields) == fields
