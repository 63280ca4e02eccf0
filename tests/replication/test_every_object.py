"""Every record of every object of both demo companies (each entity of DEMO-ME in its
own session) comes out of one engine run exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings, Replicator, RunState, StreamPage, StreamSpec


class Keep:
    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], Counter[int]] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        self.warnings: list[str] = []

    def page(self, page: StreamPage) -> None:
        self.counts[page.stream, page.entity] += len(page.records)
        keys = self.keys.setdefault((page.stream, page.entity), Counter())
        keys.update(r["RECORDNO"] for r in page.records if "RECORDNO" in r)

    def warning(self, stream: str, text: str) -> None:
        self.warnings.append(text)


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=100, seed=1) as emu:
        yield emu


@pytest.mark.parametrize(("company", "entities"), [("DEMO", ""), ("DEMO-ME", "all")])
def test_every_record_of_every_object_exactly_once(
    emulator: InProcessEmulator, company: str, entities: str, columnar: bool
) -> None:
    config = {**emulator.config(company), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        registry = ObjectRegistry(client)
        names = registry.objects()
        settings = ReplicationSettings.from_mapping({"entity_ids": entities})
        keep = Keep()
        report = Replicator(client, settings, page_size=50, columnar=columnar).run(
            [StreamSpec(name) for name in names], RunState(), keep
        )
        assert report.failed == []
        assert len(report.streams) == len(names) * (2 if entities else 1)
        for result in report.streams:
            reader = client.for_entity(result.entity) if result.entity else client
            if registry.get(result.object).key_field is None:
                rows = list(reader.iter_read_by_query(result.object))
                assert keep.counts[result.object, result.entity] == len(rows), result.object
                continue
            truth = Counter(
                int(r["RECORDNO"]) for r in reader.iter_query(result.object, ["RECORDNO"])
            )
            got = keep.keys.get((result.object, result.entity), Counter())
            assert got == truth, (result.object, result.entity)
    # only the groups' and users' list fields are refused, and each is said
    assert all("refuses to query" in w for w in keep.warnings)
