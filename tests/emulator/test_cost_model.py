"""Which requests may be answered on the event loop."""

from __future__ import annotations

from intacct.emulator.app import CostModel
from intacct.emulator.wire import parse_request

from .conftest import envelope


def test_only_measured_cheap_reads_run_inline() -> None:
    costs = CostModel(inline_below_s=0.002)
    read = parse_request(envelope("<read><object>CLASS</object><keys>1</keys></read>"))
    assert not costs.cheap(read)  # never seen: measure it in the pool first
    costs.record(read, 0.0005)
    assert costs.cheap(read)
    for _ in range(20):  # it became slow (the table grew): back to the pool
        costs.record(read, 0.05)
    assert not costs.cheap(read)


def test_writes_and_transactions_never_run_inline() -> None:
    costs = CostModel()
    write = parse_request(envelope("<create><CLASS><CLASSID>X</CLASSID></CLASS></create>"))
    legacy = parse_request(envelope('<delete_class key="X"/>'))
    tx = parse_request(envelope("<getDimensions/>", transaction="true"))
    for request in (write, legacy, tx):
        costs.record(request, 0.0001)
        assert not costs.cheap(request)


def test_shapes_differ_by_object_and_page_size() -> None:
    costs = CostModel()
    small = parse_request(
        envelope("<readByQuery><object>CLASS</object><pagesize>5</pagesize></readByQuery>")
    )
    large = parse_request(
        envelope("<readByQuery><object>CLASS</object><pagesize>1000</pagesize></readByQuery>")
    )
    costs.record(small, 0.0005)
    assert costs.cheap(small) and not costs.cheap(large)
