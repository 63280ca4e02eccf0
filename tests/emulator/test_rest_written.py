"""A REST query page is written as text straight from its columns
(:mod:`intacct.emulator.rest.written`), and must be byte for byte what orjson writes of
the same records made as dicts: for every object served, with every field, at the top
level and in an entity, and with text that JSON escapes (quotes, backslashes, tabs) or
keeps (non-ASCII) among plain text and nulls."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

import httpx
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intacct.emulator.querylang.core import TRUE_SQL
from intacct.emulator.rest.access import scope_for, zone_of
from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.documents import served_object
from intacct.emulator.rest.records import Renderer, whole_names
from intacct.emulator.rest.source import open_view
from intacct.emulator.rest.values import _Instants
from intacct.emulator.server import EmulatorServer

from .rest_support import SERVED, xml

ODD_NAMES = ('Say "when"', "back\\slash", "tab\there", "Zürich AG", "plain")


def _caller(company: str, entity: str = "") -> Caller:
    return Caller(company, "demo_user", entity, "demo_client_id", "demo_sender", "client")


def _pages(emulator: EmulatorServer, caller: Caller, path: str) -> tuple[bytes | None, bytes]:
    """A page of every field of ``path`` written from its columns (None: left to
    orjson), and as orjson writes its records as dicts."""
    store = emulator.emulator.store
    scope = scope_for(store, caller, replica=True)
    obj = served_object(store, scope, path)
    assert obj is not None, path
    view = open_view(store, obj, scope, zone_of(store, caller.company))
    render = Renderer(view, whole_names(view))
    rows, _ = view.page(render.columns, TRUE_SQL, "", 400, 0)
    written = render.written(rows)
    as_dicts = orjson.dumps(render.records(rows))
    return (written("", "") if callable(written) else None), as_dicts


@pytest.fixture(scope="module")
def odd(http: httpx.Client) -> None:
    for n, name in enumerate(ODD_NAMES):
        body = (
            f"<create><VENDOR><VENDORID>ODD{n}</VENDORID><NAME>{escape(name)}</NAME>"
            f"<DISPLAYCONTACT><CONTACTNAME>ODD{n}</CONTACTNAME></DISPLAYCONTACT>"
            "</VENDOR></create>"
        )
        assert xml(http, body).findtext(".//vendor/RECORDNO")


@pytest.mark.parametrize("path", SERVED)
def test_a_page_written_from_columns_is_orjsons_text(
    emulator: EmulatorServer, odd: None, path: str
) -> None:
    for caller in (_caller("DEMO"), _caller("DEMO-ME"), _caller("DEMO-ME", "E100")):
        text, as_dicts = _pages(emulator, caller, path)
        assert text in (None, as_dicts), (path, caller.company, caller.entity)


def test_odd_text_is_written_from_columns(emulator: EmulatorServer, odd: None) -> None:
    """The vendors page is written from its columns (not handed back to orjson), and
    holds each odd name as JSON writes it."""
    text, as_dicts = _pages(emulator, _caller("DEMO"), "accounts-payable/vendor")
    assert text is not None and text == as_dicts
    names = {r["name"] for r in orjson.loads(text)}
    assert set(ODD_NAMES) <= names


ZONES = (
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",  # +05:30: never a whole hour
    "Australia/Lord_Howe",  # changes by 30 minutes
    "Pacific/Apia",  # skipped a whole day (2011-12-30)
    "America/St_Johns",
    "UTC",
)


#: company wall-clock times (naive), most of them in years of today's offsets
_WALL = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2040, 1, 1))  # noqa: DTZ001
_OLD = st.datetimes(min_value=datetime(999, 12, 30), max_value=datetime(1001, 1, 2))  # noqa: DTZ001
_ODD = [
    *("", "2025-11-02 01:30:00", "2025-03-09 02:30:00", "2024-13-01 00:00:00"),
    *("2025-03-30 25:00:00", "2011-12-30 10:00:00", "2025-04-06 02:15:00"),
    *("2011-12-29 23:59:59", "2024-W01-1 10:00:00", "0999-12-31 23:00:00"),
]


def _stored(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S").rjust(19, "0")


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    times=st.lists(_WALL.map(_stored) | _OLD.map(_stored) | st.sampled_from(_ODD), max_size=60),
)
def test_times_shown_by_the_day_are_the_times_shown_one_by_one(zone: str, times: list[str]) -> None:
    """A page's times worked out a day at a time are each time's own UTC
    instant, failing alike (DST changes, offsets of minutes, a skipped day, bad text)."""
    shown = _Instants(zone)

    def each(values: list[str]) -> list[str] | str:
        try:
            return [str(shown(value)) for value in values]
        except ValueError:
            return "fails"

    try:
        together: list[str] | str = [str(v) for v in shown.column(times)]
    except ValueError:
        together = "fails"
    assert together == each(times)
