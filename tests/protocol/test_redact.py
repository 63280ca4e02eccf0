"""Redaction of secrets in serialized requests/answers (:mod:`intacct.protocol.redact`).

Redaction is textual: it must work on whole, truncated and malformed documents, on
upper-case 3.0 field names, on form-encoded ``xmlrequest=`` bodies, and on secret values
the caller names explicitly, wherever they appear.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intacct.protocol.redact import REDACTED, SENSITIVE_ELEMENTS, excerpt, redact
from tests.properties import examples

REQUEST = (
    '<?xml version="1.0" encoding="UTF-8"?><request><control><senderid>acme_partner</senderid>'
    "<password>Sender-Secret-1</password><controlid>c1</controlid></control><operation>"
    "<authentication><login><userid>ws_user</userid><companyid>ACME-CO</companyid>"
    "<password>User-Secret-2</password></login></authentication><content>"
    '<function controlid="f1"><getAPISession/></function></content></operation></request>'
)
SESSION_REQUEST = (
    "<request><control><senderid>acme_partner</senderid><password>Sender-Secret-1</password>"
    "</control><operation><authentication><sessionid>Zx81kQpL2mR7tTq9..</sessionid>"
    "</authentication><content/></operation></request>"
)
SECRETS = ("Sender-Secret-1", "User-Secret-2", "Zx81kQpL2mR7tTq9..")


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


# --------------------------------------------------------------------------- elements


def test_request_passwords_and_session_are_redacted_and_the_rest_kept() -> None:
    out = redact(REQUEST)
    assert _leaks(out) == []
    assert out.count(f"<password>{REDACTED}</password>") == 2
    for kept in ("<senderid>acme_partner</senderid>", "<userid>ws_user</userid>", "ACME-CO"):
        assert kept in out
    assert redact(SESSION_REQUEST).count(f"<sessionid>{REDACTED}</sessionid>") == 1
    assert _leaks(redact(SESSION_REQUEST)) == []


@pytest.mark.parametrize("name", SENSITIVE_ELEMENTS)
@pytest.mark.parametrize("case", [str.lower, str.upper, str.title], ids=["lower", "upper", "title"])
def test_every_sensitive_element_in_any_case(name: str, case: Callable[[str], str]) -> None:
    tag = case(name)
    text = f"<VENDOR><NAME>Acme</NAME><{tag}>4111-1111 1111/1111</{tag}></VENDOR>"
    out = redact(text)
    assert "4111" not in out
    assert f"<{tag}>{REDACTED}</{tag}>" in out
    assert "<NAME>Acme</NAME>" in out


@pytest.mark.parametrize(
    ("opening", "tag"),
    [
        ('<password type="clear">', "password"),
        ("<password xml:lang='en' >", "password"),
        ('<PASSWORD\n  encoding="none">', "PASSWORD"),
        ('<sessionid a="1" b="2">', "sessionid"),
    ],
)
def test_elements_with_attributes(opening: str, tag: str) -> None:
    out = redact(f"<login>{opening}hunter2</{tag}><userid>u</userid></login>")
    assert "hunter2" not in out
    assert f"{opening}{REDACTED}</{tag}>" in out
    assert "<userid>u</userid>" in out


def test_values_with_entities_and_whitespace_are_redacted_whole() -> None:
    out = redact("<password>\n  p&amp;ss &lt;w&gt;rd\t</password><sessionid> abc.. </sessionid>")
    assert out == f"<password>{REDACTED}</password><sessionid>{REDACTED}</sessionid>"


def test_empty_elements_stay_empty() -> None:
    text = "<password></password><password/><sessionid />"
    assert redact(text) == text


def test_closing_tag_case_may_differ() -> None:
    assert redact("<Password>hunter2</PASSWORD>") == f"<Password>{REDACTED}</PASSWORD>"


def test_cdata_values_are_redacted() -> None:
    out = redact("<login><password><![CDATA[hunter2]]></password></login>")
    assert "hunter2" not in out


def test_similar_element_names_are_not_touched() -> None:
    text = "<passwordhint>my dog</passwordhint><sessionidx>keep</sessionidx><ssnote>k</ssnote>"
    assert redact(text) == text


@pytest.mark.parametrize(
    "body",
    [
        "<request><control><password>hunter2",
        "<request><control><password>hunter2</passw",
        "<request><control><password>hunt",
        "<request><operation><authentication><SESSIONID>Zx81kQpL2mR7tTq9.",
        '<request><control><password type="x">hunter2',
    ],
    ids=["cut-in-value", "cut-in-closing-tag", "cut-mid-secret", "upper-session", "attr"],
)
def test_truncated_bodies(body: str) -> None:
    out = redact(body)
    assert "hunt" not in out and "Zx81" not in out
    assert REDACTED in out


# --------------------------------------------------------------------------- form bodies


def test_form_encoded_xmlrequest_body_is_redacted() -> None:
    for encode in (quote, quote_plus):
        body = "xmlrequest=" + encode(REQUEST, safe="")
        assert "Secret" in body  # the form body does carry the secrets
        out = redact(body)
        assert _leaks(out) == [], encode.__name__
        assert "acme_partner" in out


def test_form_encoded_session_body_is_redacted() -> None:
    out = redact("xmlrequest=" + quote_plus(SESSION_REQUEST))
    assert "Zx81kQpL2mR7tTq9" not in out


def test_raw_xml_after_xmlrequest_is_redacted() -> None:
    out = redact("xmlrequest=" + REQUEST)
    assert _leaks(out) == []


def test_form_fields_with_secret_names() -> None:
    out = redact("sender_id=acme&sender_password=s3cr%26et&user_password=hun+ter2&x=1")
    assert "s3cr" not in out and "hun" not in out
    assert out.startswith("sender_id=acme&")
    assert out.endswith("&x=1")


def test_json_pairs_with_secret_names() -> None:
    out = redact('{"userid": "ws_user", "password": "hunter2", "sessionid": "abc.."}')
    assert "hunter2" not in out and "abc.." not in out
    assert '"userid": "ws_user"' in out


def test_json_secret_with_spaces_is_redacted_whole() -> None:
    out = redact('{"password": "correct horse, battery staple", "userid": "u"}')
    assert "horse" not in out and "staple" not in out
    assert '"userid": "u"' in out


def test_truncated_json_secret_is_redacted() -> None:
    out = redact('{"userid": "ws_user", "password": "hunter2-cut-he')
    assert "hunter2" not in out
    assert '"userid": "ws_user"' in out


# --------------------------------------------------------------------------- explicit secrets


def test_explicit_secret_values_are_redacted_anywhere() -> None:
    text = "<description2>Invalid session Zx81kQpL2mR7tTq9.. for ws_user</description2>"
    out = redact(text, ("Zx81kQpL2mR7tTq9..",))
    assert out == f"<description2>Invalid session {REDACTED} for ws_user</description2>"


def test_several_secrets_and_empty_ones() -> None:
    assert redact("a=alpha b=beta", ("alpha", "", "beta")) == f"a={REDACTED} b={REDACTED}"
    assert redact("nothing to hide", ("",)) == "nothing to hide"
    assert redact("nothing to hide", ()) == "nothing to hide"


def test_overlapping_secrets_leave_no_fragment() -> None:
    out = redact("token=abcdef", ("abc", "abcdef"))
    assert "def" not in out
    assert out == f"token={REDACTED}"


def test_a_short_secret_is_redacted_only_where_it_stands_as_a_value() -> None:
    """One of a character or two is in every line: looked for anywhere, it would turn
    the messages it protects to REDACTED; where it is a whole value, it is blanked."""
    secrets = ("e", "7z")
    line = "VENDOR: page of 100 records; 7zip at 08:50:17"
    assert redact(line, secrets) == line
    values = (
        "<password>e</password> <userpassword>e</userpassword> user_password=e&x=1 "
        "{'user_password': 'e', \"other\": \"7z\"} secret: 7z, key=7z"
    )
    assert redact(values, secrets) == (
        f"<password>{REDACTED}</password> <userpassword>{REDACTED}</userpassword> "
        f"user_password={REDACTED}&x=1 {{'user_password': '{REDACTED}', \"other\": "
        f'"{REDACTED}"}} secret: {REDACTED}, key={REDACTED}'
    )


@pytest.mark.parametrize("secret", ["e1b4", "hunter2", "p&ss<1>"])
def test_a_secret_of_four_characters_or_more_is_redacted_wherever_it_appears(
    secret: str,
) -> None:
    text = f"said {secret}{secret}, x{secret}y, {quote(secret)} and {json_text(secret)}"
    out = redact(text, (secret,))
    assert secret not in out and quote(secret) not in out and REDACTED in out


def json_text(value: str) -> str:
    return json.dumps(value)[1:-1]


def test_explicit_secret_is_found_in_its_xml_escaped_form() -> None:
    # a password "p&ss<1>" travels as "p&amp;ss&lt;1&gt;" inside any element
    out = redact("<description2>bad credentials p&amp;ss&lt;1&gt;</description2>", ("p&ss<1>",))
    assert "p&amp;ss" not in out
    assert REDACTED in out


def test_redaction_is_idempotent() -> None:
    once = redact(REQUEST + SESSION_REQUEST, SECRETS)
    assert redact(once, SECRETS) == once


# --------------------------------------------------------------------------- excerpt


def test_excerpt_is_short_single_line_and_redacted() -> None:
    body = ("<response>\n  <control>\n    <password>hunter2</password>\n" + "x" * 1000).encode()
    out = excerpt(body)
    assert "hunter2" not in out
    assert "\n" not in out
    assert len(out) == 200
    assert out.endswith("\u2026")
    assert out.startswith("<response> <control> <password>REDACTED</password>")


def test_excerpt_of_short_and_undecodable_bodies() -> None:
    assert excerpt(b"") == ""
    assert excerpt(b"  short  \n body ") == "short body"
    assert excerpt(b"\xff\xfe<password>hunter2</password>") == (
        f"\ufffd\ufffd<password>{REDACTED}</password>"
    )
    assert excerpt("<sessionid>abc..</sessionid>", limit=20) == "<sessionid>REDACTED\u2026"


# --------------------------------------------------------------------------- property

SAFE_TEXT = st.text(
    alphabet=st.characters(codec="ascii", exclude_characters="<>"), max_size=40
).filter(lambda s: "SECRET" not in s)
ATTRIBUTES = st.lists(
    st.tuples(
        st.from_regex(r"[a-z]{1,6}", fullmatch=True),
        st.from_regex(r"[a-z0-9 ]{0,8}", fullmatch=True),
    ),
    max_size=3,
).map(lambda pairs: "".join(f' {k}="{v}"' for k, v in pairs))


@settings(max_examples=examples(300), deadline=None, database=None)
@given(
    name=st.sampled_from(SENSITIVE_ELEMENTS),
    upper=st.lists(st.booleans(), min_size=30, max_size=30),
    attributes=ATTRIBUTES,
    secret=st.text(
        alphabet=st.characters(codec="ascii", exclude_characters="<"), min_size=1, max_size=30
    ),
    before=SAFE_TEXT,
    after=SAFE_TEXT,
    cut=st.one_of(st.none(), st.integers(0, 30)),
)
def test_no_sensitive_element_value_survives(
    name: str,
    upper: list[bool],
    attributes: str,
    secret: str,
    before: str,
    after: str,
    cut: int | None,
) -> None:
    tag = "".join(c.upper() if u else c for c, u in zip(name, upper, strict=False))
    marker = "SECRET:" + secret
    text = f"<x>{before}</x><{tag}{attributes}>{marker}</{tag}><y>{after}</y>"
    if cut is not None:  # truncated somewhere inside the value
        text = text[: text.index(marker) + 7 + min(cut, len(secret))]
    out = redact(text)
    assert "SECRET:" not in out
    if cut is None:
        assert f"<y>{after}</y>" in out
