"""Whatever bytes arrive, the gateway answers with a valid Intacct XML document (HTTP 200
for bad requests), never a 500 or a traceback. Driven in-process through the same
``Emulator.handle`` the HTTP route uses, so hypothesis can try many inputs quickly."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from intacct.emulator.app import Emulator
from intacct.emulator.demo import install_demo
from intacct.emulator.store import Store
from tests.properties import examples

from .conftest import envelope

VALID = [
    envelope("<getDimensions/>"),
    envelope(
        "<readByQuery><object>CLASS</object><query>CLASSID = 'x' OR NAME LIKE 'a%'"
        "</query><pagesize>5</pagesize></readByQuery>"
    ),
    envelope(
        "<query><select><field>RECORDNO</field></select><object>VENDOR</object><filter>"
        "<and><equalto><field>STATUS</field><value>active</value></equalto><in><field>"
        "VENDORID</field><value>a</value><value>b</value></in></and></filter></query>"
    ),
    envelope("<create><CLASS><CLASSID>R-1</CLASSID><NAME>x</NAME></CLASS></create>"),
    envelope(
        '<get_list object="class" maxitems="3"><filter><expression><field>classid</field>'
        "<operator>like</operator><value>a%</value></expression></filter></get_list>"
    ),
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    store = Store()
    install_demo(store, 300, 1)
    yield Emulator(store)
    store.close()


class _Bugs(logging.Handler):
    """Collects the emulator's "a handler raised unexpectedly" log records."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


BUGS = _Bugs()
logging.getLogger("intacct.emulator").addHandler(BUGS)


def _answer_is_xml(emulator: Emulator, body: bytes) -> None:
    BUGS.records.clear()  # only this request's records count
    reply = emulator.handle(body, "application/xml", "http://emu/ia/xml/xmlgw.phtml")
    # bad input must be refused by validation, never reach the catch-all for bugs
    assert not BUGS.records, BUGS.records[0].exc_info
    if reply.media_type in ("text/csv", "application/json"):
        return
    root = etree.fromstring(reply.body)
    assert root.tag == "response"
    assert root.findtext("control/status") in ("success", "failure")


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=400))
def test_random_bytes(emulator: Emulator, body: bytes) -> None:
    _answer_is_xml(emulator, body)


@settings(
    max_examples=examples(400),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(VALID), st.integers(0, 2000), st.integers(0, 40), st.binary(max_size=8))
def test_mutated_requests(emulator: Emulator, body: bytes, at: int, cut: int, junk: bytes) -> None:
    at %= len(body)
    mutated = body[:at] + junk + body[at + cut :]
    _answer_is_xml(emulator, mutated)


@settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.text(max_size=60))
def test_arbitrary_query_strings(emulator: Emulator, text: str) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    legal = "".join(c for c in escaped if c in "\t\n\r" or c >= " ")
    legal = "".join(c for c in legal if not 0xD800 <= ord(c) <= 0xDFFF and c not in "\ufffe\uffff")
    _answer_is_xml(
        emulator,
        envelope(f"<readByQuery><object>VENDOR</object><query>{legal}</query></readByQuery>"),
    )
