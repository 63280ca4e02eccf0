"""Every twin, one company's records through either API (issue 68, part 2): each XML
object whose records a REST object holds is read through both, and the two reads hold
the same records (keys), equal field for field wherever the catalog pairs them, the
other fields empty through REST. The default objects are also read deep, at a larger
company, by tests/replication/test_rest_reads.py; this one walks the whole catalog."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from intacct.emulator.inprocess import InProcessEmulator
from intacct.protocol.rest_catalog import rest_catalog
from intacct.replication import RunState
from tests.replication.test_engine import ListSink, connect, run
from tests.replication.test_rest_reads import ZONE, _by_key, _paired

#: every XML object a listed REST object holds, by name
TWINS = sorted(
    {o.xml_object for o in rest_catalog().values() if o.xml_object and "list" in o.operations}
)
#: twins the emulator holds no records of at this size are still read (both empty)
SCALE = 300


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=SCALE) as emu:
        yield emu


def test_the_catalog_pairs_the_twins_an_issue_found_apart() -> None:
    """tax-detail, customer-refund(-detail) and affiliate-entity were served as REST's
    own objects beside their XML twins: one company with two sets of records."""
    catalog = rest_catalog()
    assert catalog["tax/tax-detail"].xml_object == "TAXDETAIL"
    assert catalog["accounts-receivable/customer-refund"].xml_object == "CUSTOMERREFUND"
    detail = catalog["accounts-receivable/customer-refund-detail"]
    assert detail.xml_object == "CUSTOMERREFUNDDETAIL"
    assert catalog["company-config/affiliate-entity"].xml_object == "AFFILIATEENTITY"


@pytest.mark.parametrize("obj", TWINS)
def test_a_twin_holds_the_same_records_through_either_api(
    emulator: InProcessEmulator, obj: str
) -> None:
    with connect(emulator, **ZONE) as client:
        xml, rest = ListSink(), ListSink()
        assert run(client, RunState(), xml, (obj,), page_size=500).failed == []
        assert run(client, RunState(), rest, (obj,), page_size=500, api="rest").failed == []
        paired = _paired(client, obj)
        left, right = _by_key(xml, obj), _by_key(rest, obj)
        assert sorted(left) == sorted(right)
        refused = _refused(xml.warnings)
        for key, record in left.items():
            through_rest = right[key]
            # a field the gateway refuses to query is left out through XML and is
            # empty through REST, which never asks the gateway (its warning names it)
            assert set(through_rest) - set(record) == refused, key
            assert all(through_rest[name] is None for name in refused), key
            assert set(record) <= set(through_rest), key
            for name, value in record.items():
                if name in paired or name == "_entity_id":
                    assert through_rest[name] == value, (key, name)
                else:
                    assert through_rest[name] is None, (key, name)


def _refused(warnings: list[str]) -> set[str]:
    """The fields an XML read's warning says the gateway refused to query."""
    said = [re.search(r"refuses to query (.*?); those fields", w) for w in warnings]
    return {name for m in said if m for name in m.group(1).split(", ")}
