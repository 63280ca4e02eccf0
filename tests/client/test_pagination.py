"""Page and record iterators against the emulator's query engine, plus scripted
misbehaving servers (a gateway that ignores the keyset filter, a stuck cursor)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from intacct import IntacctClient
from intacct.client.pagination import PageToken
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import NotFoundError, PaginationError, RequestBuildError
from intacct.protocol.formats import UserFormatting
from intacct.protocol.response import Record

from .conftest import BASE_CONFIG
from .fakegw import E, FakeGateway, record

#: an object with deliberate WHENMODIFIED ties in the demo seed, and enough rows to page
OBJECT = "GLDETAIL"
FIELDS = ["RECORDNO", "WHENMODIFIED"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=600) as emu:
        yield emu


@pytest.fixture
def client(emulator: InProcessEmulator) -> Iterator[IntacctClient]:
    emulator.configure_company("DEMO", date_format="%m/%d/%Y", timezone="America/Los_Angeles")
    with IntacctClient.from_mapping(
        emulator.config(), http_transport=emulator.transport()
    ) as client:
        yield client
    emulator.configure_company("DEMO", date_format="%m/%d/%Y", timezone="America/Los_Angeles")


def _all_recordnos(client: IntacctClient, object: str = OBJECT) -> list[int]:
    """Every RECORDNO, read the other way (readByQuery + readMore), as the truth."""
    return sorted(int(r["RECORDNO"]) for r in client.iter_read_by_query(object, "", ["RECORDNO"]))


def _numbers(records: object) -> list[int]:
    return [int(r["RECORDNO"]) for r in records]  # type: ignore[attr-defined]


def test_keyset_on_recordno_is_lazy_complete_and_ordered(
    client: IntacctClient, emulator: InProcessEmulator
) -> None:
    truth = _all_recordnos(client)
    before = emulator.emulator.stats["query"]
    records = client.iter_query(OBJECT, ["RECORDNO"], pagesize=50)
    assert emulator.emulator.stats["query"] == before  # nothing sent before next()
    got = _numbers(records)
    assert got == truth and len(truth) > 3 * 50


def test_keyset_on_whenmodified_crosses_ties_without_loss_or_repeat(
    client: IntacctClient,
) -> None:
    formatting = client.user_formatting()
    rows = list(client.iter_query(OBJECT, FIELDS, key="WHENMODIFIED", pagesize=7))
    keys = [(formatting.decode_timestamp(r["WHENMODIFIED"]), int(r["RECORDNO"])) for r in rows]
    assert keys == sorted(keys)  # type: ignore[type-var]
    assert sorted(_numbers(rows)) == _all_recordnos(client)
    stamps = [k[0] for k in keys]
    assert len(set(stamps)) < len(stamps)  # the seed has ties, so the tie-breaker mattered


@pytest.mark.parametrize("date_format", ["%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y"])
def test_whenmodified_keys_are_read_in_the_users_date_format(
    client: IntacctClient, emulator: InProcessEmulator, date_format: str
) -> None:
    truth = [int(r["RECORDNO"]) for r in client.iter_query(OBJECT, FIELDS, key="WHENMODIFIED")]
    emulator.configure_company("DEMO", date_format=date_format)
    with IntacctClient.from_mapping(
        emulator.config(), http_transport=emulator.transport()
    ) as other:
        rows = list(other.iter_query(OBJECT, FIELDS, key="WHENMODIFIED", pagesize=50))
        assert other.user_formatting().date_format[1:] != "mdY"
    assert _numbers(rows) == truth


def test_page_tokens_resume_exactly_where_a_run_stopped(client: IntacctClient) -> None:
    truth = [int(r["RECORDNO"]) for r in client.iter_query(OBJECT, FIELDS, key="WHENMODIFIED")]
    pages = client.iter_pages(OBJECT, FIELDS, key="WHENMODIFIED", pagesize=40)
    first = [next(pages), next(pages)]
    assert [p.requests for p in first] == [1, 2] and not first[-1].last
    token = str(first[-1].after)  # a run is killed here; its state holds the token
    rest = list(client.iter_pages(OBJECT, FIELDS, key="WHENMODIFIED", after=token, pagesize=40))
    assert rest[-1].last and rest[-1].after is not None
    got = [n for page in first + rest for n in _numbers(page.records)]
    assert got == truth


class _CountingRecords(httpx.BaseTransport):
    """The emulator's transport, noting how many parsed records are alive whenever a
    request leaves."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.alive = inner, list[int]()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        gc.collect()
        self.alive.append(sum(1 for o in gc.get_objects() if type(o) is Record))
        return self.inner.handle_request(request)


@pytest.mark.parametrize("key", ["RECORDNO", "WHENMODIFIED"])
def test_a_page_is_not_held_while_the_next_one_is_asked_for(
    emulator: InProcessEmulator, key: str
) -> None:
    """A reader that has let go of a page holds nothing during the next round trip
    (a keyset pager must not keep its last page alive: with many readers in parallel
    that is a page each, for the whole run)."""
    watch = _CountingRecords(emulator.transport())
    with IntacctClient.from_mapping(emulator.config(), http_transport=watch) as client:
        client.user_formatting()
        gc.collect()  # what other tests of this process still hold is not this reader's
        held = sum(1 for o in gc.get_objects() if type(o) is Record)
        pages = client.iter_pages(OBJECT, FIELDS, key=key, pagesize=40)
        sizes = []
        for page in pages:
            sizes.append(len(page.records))
            del page  # let go before the next one is asked for
    assert len(sizes) > 3 and sum(sizes) > 120
    assert watch.alive[-len(sizes) :] == [held] * len(sizes)


def test_records_without_whenmodified_come_once_in_a_recordno_pass(
    client: IntacctClient, emulator: InProcessEmulator
) -> None:
    truth = _all_recordnos(client, "VENDOR")
    blanked = truth[1::4]
    with emulator.store.transaction() as db:
        db.executemany(
            'UPDATE "obj_VENDOR" SET "WHENMODIFIED" = NULL WHERE "RECORDNO" = ?',
            [(n,) for n in blanked],
        )
        # the demo company already has some vendors without WHENMODIFIED, as production
        found = db.execute(
            'SELECT "RECORDNO" FROM "obj_VENDOR" WHERE "WHENMODIFIED" IS NULL AND _company = ?',
            ("DEMO",),
        )
        blank = sorted(n for (n,) in found)
    assert set(blanked) < set(blank)
    try:
        pages = list(client.iter_pages("VENDOR", FIELDS, key="WHENMODIFIED", pagesize=5))
        rows = [r for page in pages for r in page.records]
        assert sorted(_numbers(rows)) == truth
        tail = _numbers(rows)[-len(blank) :]
        assert tail == sorted(blank) and all(r["WHENMODIFIED"] == "" for r in rows[-len(blank) :])
        # a token from the second pass resumes there, not at the start
        middle = next(p for p in pages if p.after and p.after.unmodified and p.after.recordno)
        resumed = client.iter_query(
            "VENDOR", FIELDS, key="WHENMODIFIED", after=middle.after, pagesize=5
        )
        assert set(_numbers(resumed)) < set(blank)
    finally:
        emulator.configure_company("DEMO")  # no-op change; data is restored below
        with emulator.store.transaction() as db:
            db.executemany(
                'UPDATE "obj_VENDOR" SET "WHENMODIFIED" = "WHENCREATED" WHERE "RECORDNO" = ?',
                [(n,) for n in blanked],
            )


def test_rows_written_between_pages_shift_nothing(client: IntacctClient) -> None:
    """An update moves a record past the bookmark (it is read again, newer); a create
    lands at the end; nothing that was there is skipped."""
    before = _all_recordnos(client, "CLASS")
    pages = client.iter_pages("CLASS", ["RECORDNO", "CLASSID"], key="WHENMODIFIED", pagesize=3)
    seen = _numbers(next(pages).records)
    client.update("CLASS", [{"RECORDNO": seen[0], "DESCRIPTION": "touched"}])
    (created,) = client.create("CLASS", [{"CLASSID": "PAGE-NEW", "NAME": "New"}])
    for page in pages:
        seen += _numbers(page.records)
    assert set(before) <= set(seen)
    assert int(created.records[0]["RECORDNO"]) in seen
    assert seen.count(seen[0]) == 2  # the updated record came back with its new time
    client.delete("CLASS", [created.records[0]["RECORDNO"]])


def test_a_bad_key_or_token_is_an_intacct_error(client: IntacctClient) -> None:
    with pytest.raises(RequestBuildError, match="key"):
        client.iter_query(OBJECT, FIELDS, key="WHENCREATED")
    with pytest.raises(PaginationError, match="not a page token"):
        list(client.iter_pages(OBJECT, FIELDS, after="{nonsense"))
    token = PageToken("RECORDNO", 10)
    with pytest.raises(PaginationError, match="RECORDNO pager, not a WHENMODIFIED"):
        list(client.iter_pages(OBJECT, FIELDS, key="WHENMODIFIED", after=token))


def test_token_round_trip_keeps_utc() -> None:
    token = PageToken("WHENMODIFIED", 12, datetime(2025, 9, 15, 19, 52, 17, tzinfo=UTC))
    assert PageToken.parse(str(token)) == token


# -- scripted misbehaviour (the fake gateway serves canned answers) --------------------


def _page(*rows: dict[str, str], remaining: int = 0) -> object:
    return E(
        "data",
        *(record("VENDOR", **row) for row in rows),
        listtype="VENDOR",
        count=str(len(rows)),
        numremaining=str(remaining),
    )


def test_a_server_that_ignores_the_keyset_filter_is_caught(gateway: FakeGateway) -> None:
    rows = [{"RECORDNO": str(n)} for n in (1, 2)]
    gateway.handlers["query"] = lambda call: _page(*rows, remaining=5)  # type: ignore[assignment]
    client = IntacctClient.from_mapping(BASE_CONFIG, http_transport=gateway.transport())
    with client, pytest.raises(PaginationError, match="backwards or repeated"):
        list(client.iter_query("VENDOR", ["RECORDNO"], pagesize=2))


def test_a_garbage_whenmodified_names_record_value_and_format(gateway: FakeGateway) -> None:
    gateway.handlers["query"] = lambda call: _page(  # type: ignore[assignment]
        {"RECORDNO": "4", "WHENMODIFIED": "31/31/2025 99:00:00"}
    )
    formatting = UserFormatting("/mdY")
    with (
        IntacctClient.from_mapping(
            BASE_CONFIG, http_transport=gateway.transport(), formatting=formatting
        ) as client,
        pytest.raises(PaginationError, match=r"RECORDNO 4.*31/31/2025.*MM/DD/YYYY"),
    ):
        list(client.iter_query("VENDOR", ["RECORDNO"], key="WHENMODIFIED"))


def test_iter_read_by_query_follows_readmore_and_detects_a_stuck_cursor(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    truth = _all_recordnos(client)
    got = sorted(_numbers(client.iter_read_by_query(OBJECT, "", ["RECORDNO"], pagesize=100)))
    assert got == truth

    stuck = E("data", record("vendor", RECORDNO="1"), numremaining="5", resultId="R1")
    gateway.handlers.update(readByQuery=lambda c: stuck, readMore=lambda c: stuck)  # type: ignore[dict-item]
    fake = IntacctClient.from_mapping(BASE_CONFIG, http_transport=gateway.transport())
    with fake, pytest.raises(PaginationError, match="did not advance"):
        list(fake.iter_read_by_query("VENDOR", pagesize=1))


def test_expired_result_id_is_not_found(client: IntacctClient, emulator: InProcessEmulator) -> None:
    ttl = emulator.store.cursor_ttl_s
    emulator.store.cursor_ttl_s = 0.0
    try:
        with pytest.raises(NotFoundError):
            list(client.iter_read_by_query(OBJECT, "", ["RECORDNO"], pagesize=100))
    finally:
        emulator.store.cursor_ttl_s = ttl
