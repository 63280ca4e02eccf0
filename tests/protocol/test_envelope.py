"""Request envelopes against golden XML written from the protocol reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct.errors import RequestBuildError
from intacct.protocol import functions as fn
from intacct.protocol.envelope import (
    ControlBlock,
    LoginAuthentication,
    SessionAuthentication,
    build_request,
)
from intacct.protocol.xml import canonicalize, parse

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "requests"


def golden(name: str) -> str:
    return canonicalize((GOLDEN / name).read_bytes())


def test_login_getapisession_escapes_every_value() -> None:
    body = build_request(
        ControlBlock("acme_partner", "partner & <secret>", "1718000000"),
        LoginAuthentication("ws_user", "ACME-CO", "user\"pass'word", locationid="EAST"),
        [("sessionProvider", fn.GetAPISession().to_xml())],
    )
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<request>")
    assert canonicalize(body) == golden("envelope-login-getapisession.xml")


def test_session_transaction_uniqueid() -> None:
    body = build_request(
        ControlBlock("acme_partner", "pw", "batch-0042", uniqueid=True),
        SessionAuthentication("Zx81kQpL2mR7tTq9.."),
        [
            ("cls-1", fn.Create([("CLASS", {"CLASSID": "C-10", "NAME": "Retail & Co"})]).to_xml()),
            (
                "dept-1",
                fn.Create([("DEPARTMENT", {"DEPARTMENTID": "D-10", "TITLE": "Sales"})]).to_xml(),
            ),
        ],
        transaction=True,
    )
    assert canonicalize(body) == golden("envelope-session-transaction-uniqueid.xml")


def test_dtd21_legacy_get_list() -> None:
    body = build_request(
        ControlBlock("acme_partner", "pw", "c-21", dtdversion="2.1"),
        LoginAuthentication("ws_user", "ACME-CO", "pw2"),
        [
            (
                "gl1",
                fn.GetList(
                    "class",
                    maxitems=2,
                    filter=fn.expression("status", "=", "active"),
                    sorts=[("classid", "asc")],
                ).to_xml(),
            )
        ],
        transaction=False,
    )
    assert canonicalize(body) == golden("envelope-dtd21-legacy.xml")


@pytest.mark.parametrize(
    ("controlid", "problem"), [("", r"1\.\.256"), ("x" * 257, r"1\.\.256"), ("a\x00b", r"U\+0000")]
)
def test_bad_controlids_are_refused(controlid: str, problem: str) -> None:
    with pytest.raises(RequestBuildError, match=problem):
        build_request(
            ControlBlock("s", "p", "c"),
            SessionAuthentication("s.."),
            [(controlid, fn.GetDimensions().to_xml())],
        )


def test_unknown_dtd_version_is_refused() -> None:
    with pytest.raises(RequestBuildError, match="dtdversion"):
        build_request(
            ControlBlock("s", "p", "c", dtdversion="4.0"),
            SessionAuthentication("s"),
            [("f", fn.GetDimensions().to_xml())],
        )


def test_reprs_hide_secrets() -> None:
    objects = [
        ControlBlock("s", "sender-secret", "c"),
        LoginAuthentication("u", "c", "user-secret"),
        SessionAuthentication("sess-secret"),
    ]
    for obj in objects:
        assert "secret" not in repr(obj)


def test_shared_sample_requests_parse_as_documented() -> None:
    """Our builder's output for the SDK sample's inputs has the same facts."""
    body = build_request(
        ControlBlock("testsenderid", "pass123!", "unittest"),
        SessionAuthentication("testsession.."),
        [],
        transaction=False,
    )
    root = parse(body)
    assert root.findtext("control/password") == "pass123!"
    assert root.find("operation").get("transaction") == "false"  # type: ignore[union-attr]
    assert root.find("operation/content") is not None
