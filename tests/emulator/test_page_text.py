"""A gateway page of records is written as text (``RecordPage.text``, spliced into the
answer by ``build_response``), and must be byte for byte what lxml writes for the same
records built as elements: for every XML object's stored records with every field, in
each date format, pretty-printed and not, and with values lxml escapes."""

from __future__ import annotations

import pytest
from lxml import etree

from intacct.emulator.handlers.common import RecordPage
from intacct.emulator.server import EmulatorServer
from intacct.emulator.wire import E, Request, build_response

FORMATS = ("mm/dd/yyyy", "dd.mm.yyyy", "yyyy-mm-dd")


def _answers(page: RecordPage, pretty: bool) -> tuple[bytes, bytes]:
    """The answer holding ``page`` spliced in as text, and holding its elements."""
    request = Request(includewhitespace=pretty)
    spliced = page.outcome({"count": str(len(page))})
    assert spliced.spliced is not None, "written as text"
    built = E("data", count=str(len(page)))
    built.extend(page.elements())
    answers = []
    for data, splice in ((spliced.data, [spliced.spliced]), (built, [])):
        operation = E("operation")
        result = etree.SubElement(operation, "result")
        result.append(data)
        answers.append(build_response(request, operation=operation, spliced=splice))
    return answers[0], answers[1]


@pytest.mark.parametrize("date_format", FORMATS)
def test_every_objects_page_as_text_is_lxmls(emulator: EmulatorServer, date_format: str) -> None:
    store = emulator.emulator.store
    written = 0
    for name in store.catalog:  # the XML objects
        obj = store.catalog[name]
        names = obj.field_names
        rows = store.records.stored(obj, "DEMO", names)[:200]
        page = RecordPage(obj.name.lower(), obj, rows, names, date_format)
        if not rows or page.outcome({}).spliced is None:
            continue  # built as elements: nothing to compare
        for pretty in (True, False):
            text, elements = _answers(page, pretty)
            assert text == elements, (obj.name, date_format, pretty)
        written += 1
    assert written > 100


def test_escaped_values_as_text_are_lxmls(emulator: EmulatorServer) -> None:
    obj = emulator.emulator.store.catalog["VENDOR"]
    names = ["VENDORID", "NAME"]
    rows = [("A&B", "<tag> & 'quote' \"dq\" 100%"), ("tab\there", "line\nbreak >")]
    for pretty in (True, False):
        text, elements = _answers(RecordPage("vendor", obj, rows, names, FORMATS[0]), pretty)
        assert text == elements
