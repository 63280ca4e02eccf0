"""Golden REST answers (tests/golden/responses/rest/) read by :mod:`intacct.protocol.rest`
and classified by the one table of :mod:`intacct.protocol.classify`.

* Every file in rest/MANIFEST.json is read and its ``expect`` facts asserted.
* Every REST rule of :data:`~intacct.protocol.classify.RULES` (its fixture under
  ``rest/``) names a golden answer that classifies to it, so a rule without a working
  fixture fails the suite (the XML rules are held by test_golden_responses.py).
* Bodies that are no REST answer raise :class:`~intacct.errors.ResponseFormatError`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intacct.errors import ResponseFormatError
from intacct.protocol.classify import RULES, error_for_rest, error_for_rest_record
from intacct.protocol.rest import parse_rest

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "responses" / "rest"
MANIFEST: dict[str, Any] = json.loads((GOLDEN / "MANIFEST.json").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = MANIFEST["files"]
BY_FILE = {f"rest/{entry['file']}": entry for entry in ENTRIES}
REST_RULES = [rule for rule in RULES if rule.fixture.startswith("rest/")]


def _read(entry: dict[str, Any]) -> bytes:
    return (GOLDEN / entry["file"]).read_bytes()


def test_manifest_lists_exactly_the_golden_files() -> None:
    on_disk = {p.name for p in GOLDEN.iterdir() if p.name != "MANIFEST.json"}
    listed = [entry["file"] for entry in ENTRIES]
    assert len(listed) == len(set(listed)) and set(listed) == on_disk
    assert all(entry["description"].strip() for entry in ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["file"])
def test_golden_rest_answer_facts(entry: dict[str, Any]) -> None:
    expect, status = entry["expect"], entry["http_status"]
    if expect.get("unreadable"):
        with pytest.raises(ResponseFormatError) as caught:
            parse_rest(_read(entry), http_status=status)
        assert caught.value.http_status == status and caught.value.html_title == ""
        return
    answer = parse_rest(_read(entry), http_status=status)
    error = error_for_rest(answer)
    if expect["error_class"] is None:
        assert error is None
    else:
        assert type(error).__name__ == expect["error_class"]
        assert error.level == expect["level"] and error.http_status == status
    for got, want in zip(answer.errors, expect["errors"], strict=True):
        for name, value in want.items():
            assert getattr(got, name) == value, f"{entry['file']}: {name}"
    if "result_count" in expect:
        assert len(answer.result) == expect["result_count"]
    if "meta" in expect:
        assert dict(answer.meta) == expect["meta"]
    if "record_classes" in expect:
        classes = [error_for_rest_record(item) for item in answer.result]
        names = [None if e is None else type(e).__name__ for e in classes]
        assert names == expect["record_classes"]


@pytest.mark.parametrize("rule", REST_RULES, ids=lambda r: f"{r.error.__name__}-{r.fixture}")
def test_every_rest_rule_has_a_fixture_that_classifies_to_it(rule: Any) -> None:
    entry = BY_FILE.get(rule.fixture)
    assert entry is not None, f"{rule.fixture} is not in rest/MANIFEST.json"
    answer = parse_rest(_read(entry), http_status=entry["http_status"])
    if rule.levels == {"rest-record"}:  # one record of a batch, classified alone
        errors = [error_for_rest_record(item) for item in answer.result]
        assert any(type(e) is rule.error and rule.matches(e.level, 207, e.errors) for e in errors)
        return
    error = error_for_rest(answer)
    assert type(error) is rule.error and entry["expect"]["error_class"] == rule.error.__name__
    assert rule.matches(error.level, entry["http_status"], error.errors)


@pytest.mark.parametrize(
    ("body", "status", "why"),
    [
        (b"", 200, "is not JSON"),
        (b'{"ia::result": [', 200, "is not JSON"),
        (b"[1, 2]", 200, "no object"),
        (b"\xff\xfe{}", 200, "not UTF-8"),
        (b'{"a":' * 100 + b"1" + b"}" * 100, 200, "nests deeper"),
    ],
)
def test_what_is_no_rest_answer_is_refused(body: bytes, status: int, why: str) -> None:
    with pytest.raises(ResponseFormatError, match=why) as caught:
        parse_rest(body, http_status=status)
    assert caught.value.http_status == status


def test_a_failure_status_without_an_error_is_still_a_failure() -> None:
    answer = parse_rest(b'{"ia::result": {}}', http_status=500)
    error = error_for_rest(answer)
    assert error is not None and type(error).__name__ == "UnavailableError"
    assert parse_rest(b"", http_status=204).ok


def test_nesting_is_refused_one_level_past_the_cap() -> None:
    def nested(levels: int) -> bytes:  # ``levels`` objects, one inside the other
        return b'{"a":' * (levels - 1) + b"{}" + b"}" * (levels - 1)

    assert parse_rest(nested(64), http_status=200).ok
    with pytest.raises(ResponseFormatError, match="nests deeper"):
        parse_rest(nested(65), http_status=200)
