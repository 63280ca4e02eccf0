"""The parser against the shared gateway samples, driven by their EXPECTED.json.

Every file of ``shared/fixtures/intacct-xml`` that EXPECTED.json lists with kind
``response`` is read at run time (never copied into the project), checked against its
sha256 and parsed with :func:`parse_response`; each fact EXPECTED.json states is then
compared with what the typed objects give. The test knows the *conventions* of
EXPECTED.json (see its ``_about``), not the files: held-out samples added to the folder
later are picked up without edits.

Conventions mapped here:

* ``null`` value → the element is absent → ``None`` on our side; ``""`` → present, empty.
* ``errors: null`` (no ``<errormessage>``) and ``[]`` (an empty one) → our empty list.
* ``first_record``/``last_record`` → the record's direct leaf fields, ``Record.fields``.
* ``extra`` → nested payloads, checked through ``Record.nested``; an ``extra`` key this
  module has no dedicated check for falls back to "every value it states is somewhere in
  the parsed response".
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from intacct.errors import ErrorDetail, GatewayError
from intacct.protocol.classify import error_for_response, error_for_result
from intacct.protocol.response import Record, Response, Result, parse_response

from ..shared_fixtures import ENV_VAR, shared_fixtures_dir

FIXTURES = shared_fixtures_dir()
EXPECTED_PATH = FIXTURES / "EXPECTED.json"

if not EXPECTED_PATH.is_file():
    pytest.skip(
        f"shared Intacct XML samples not found: {EXPECTED_PATH} does not exist "
        f"(set {ENV_VAR} to the folder holding EXPECTED.json)",
        allow_module_level=True,
    )

EXPECTED: dict[str, Any] = json.loads(EXPECTED_PATH.read_text(encoding="utf-8"))
FILES: dict[str, dict[str, Any]] = EXPECTED["files"]
RESPONSE_FILES = sorted(name for name, facts in FILES.items() if facts.get("kind") == "response")

_RESULT_KEYS = {"status", "function", "controlid", "key", "listtype", "data", "errors"}
_DATA_KEYS = {
    "attributes",
    "record_count",
    "record_elements",
    "first_record",
    "last_record",
}


class Facts:
    """Collects every mismatch of one file so a failure lists all of them at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def eq(self, where: str, actual: object, expected: object) -> None:
        if actual != expected:
            self.problems.append(f"{where}: expected {expected!r}, parser gave {actual!r}")

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def attrs(self, where: str, obj: object, expected: Mapping[str, Any]) -> None:
        """Compare each stated field with the attribute of the same name."""
        for key, value in expected.items():
            if not hasattr(obj, key):
                self.fail(f"{where}.{key}", f"{type(obj).__name__} has no attribute {key!r}")
                continue
            self.eq(f"{where}.{key}", getattr(obj, key), value)


def _load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _http_status(facts: Mapping[str, Any]) -> int:
    extra = facts.get("extra") or {}
    return int(extra.get("http_status_in_source_test", 200))


def _parse(name: str) -> tuple[dict[str, Any], Response]:
    facts = FILES[name]
    return facts, parse_response(_load(name), http_status=_http_status(facts))


# --------------------------------------------------------------------------- levels


def _check_errors(
    ck: Facts, where: str, actual: list[ErrorDetail], expected: list[dict[str, Any]] | None
) -> None:
    if not isinstance(actual, list):
        ck.fail(where, f"errors must be a list, got {type(actual).__name__}")
        return
    wanted = expected or []
    if len(actual) != len(wanted):
        ck.fail(where, f"expected {len(wanted)} error(s), parser gave {len(actual)}: {actual!r}")
        return
    for i, (got, want) in enumerate(zip(actual, wanted, strict=True)):
        ck.attrs(f"{where}[{i}]", got, want)


def _leaf_fields(ck: Facts, where: str, record: Record, expected: Mapping[str, str]) -> None:
    """``first_record``/``last_record``: the record's direct leaf children, exactly."""
    ck.eq(f"{where} field names", sorted(record.fields), sorted(expected))
    for key, value in expected.items():
        # A leaf that repeats keeps every value in getlist(); either occurrence may be
        # the one the fact generator kept.
        if value not in record.getlist(key):
            ck.fail(f"{where}.{key}", f"expected {value!r}, parser gave {record.getlist(key)!r}")


def _check_data(ck: Facts, where: str, result: Result, expected: Mapping[str, Any] | None) -> None:
    if expected is None:
        ck.eq(f"{where} (absent)", result.data, None)
        ck.eq(f"{where} records", result.records, [])
        return
    data = result.data
    if data is None:
        ck.fail(where, "EXPECTED has <data>, parser gave data=None")
        return
    for key in expected.keys() - _DATA_KEYS:
        ck.fail(f"{where}.{key}", "fact not understood by this test")
    records = result.records
    if "attributes" in expected:
        ck.eq(f"{where}.attributes", data.attributes, expected["attributes"])
    if "record_count" in expected:
        ck.eq(f"{where}.record_count", len(records), expected["record_count"])
    if "record_elements" in expected:
        tags = list(dict.fromkeys(r.tag for r in records))
        ck.eq(f"{where}.record_elements", tags, expected["record_elements"])
    for key, index in (("first_record", 0), ("last_record", -1)):
        if key not in expected:
            continue
        if not records:
            ck.fail(f"{where}.{key}", "EXPECTED states a record, parser gave none")
            continue
        _leaf_fields(ck, f"{where}.{key}", records[index], expected[key])


def _check_result(ck: Facts, where: str, result: Result, expected: Mapping[str, Any]) -> None:
    for key in expected.keys() - _RESULT_KEYS:
        ck.fail(f"{where}.{key}", "fact not understood by this test")
    for key in ("status", "function", "controlid", "key"):
        if key in expected:
            ck.eq(f"{where}.{key}", getattr(result, key), expected[key])
    if "listtype" in expected:
        listtype = expected["listtype"]
        if listtype is None:
            ck.eq(f"{where}.listtype", result.listtype, None)
        elif result.listtype is None:
            ck.fail(f"{where}.listtype", f"expected {listtype!r}, parser gave None")
        else:
            ck.attrs(f"{where}.listtype", result.listtype, listtype)
    if "data" in expected:
        _check_data(ck, f"{where}.data", result, expected["data"])
    if "errors" in expected:
        _check_errors(ck, f"{where}.errors", result.errors, expected["errors"])


def _check_operation(ck: Facts, response: Response, expected: Mapping[str, Any] | None) -> None:
    operation = response.operation
    if expected is None:
        ck.eq("operation (absent)", operation, None)
        ck.eq("results (no operation)", response.results, [])
        return
    if operation is None:
        ck.fail("operation", "EXPECTED has <operation>, parser gave None")
        return
    if "authentication" in expected:
        auth = expected["authentication"]
        if auth is None:
            ck.eq("operation.authentication.status", operation.authentication.status, None)
        else:
            ck.attrs("operation.authentication", operation.authentication, auth)
    if "errors" in expected:
        _check_errors(ck, "operation.errors", operation.errors, expected["errors"])
    if "results" in expected:
        wanted = expected["results"]
        ck.eq("results is the operation's list", response.results, operation.results)
        if len(operation.results) != len(wanted):
            ck.fail(
                "operation.results",
                f"expected {len(wanted)} result(s), parser gave {len(operation.results)}",
            )
            return
        for i, (got, want) in enumerate(zip(operation.results, wanted, strict=True)):
            _check_result(ck, f"results[{i}]", got, want)


def _check_declaration(ck: Facts, body: bytes, expected: Mapping[str, Any] | None) -> None:
    match = re.match(
        rb"""(?:\xef\xbb\xbf)?<\?xml\s+version=["']([^"']+)["']"""
        rb"""(?:\s+encoding=["']([^"']+)["'])?""",
        body,
    )
    if expected is None:
        ck.eq("xml_declaration", match.group(0).decode() if match else None, None)
        return
    if match is None:
        ck.fail("xml_declaration", f"expected {expected!r}, the file has none")
        return
    encoding = match.group(2).decode() if match.group(2) else None
    ck.eq("xml_declaration.version", match.group(1).decode(), expected.get("version"))
    ck.eq("xml_declaration.encoding", encoding, expected.get("encoding"))


# --------------------------------------------------------------------------- extra


def _walk(records: list[Record]) -> Iterator[Record]:
    for record in records:
        yield record
        for kids in record.children.values():
            yield from _walk(kids)


def _all_records(response: Response) -> Iterator[Record]:
    for result in response.results:
        yield from _walk(result.records)


def _extra_session(ck: Facts, response: Response, expected: Mapping[str, Any]) -> None:
    """getAPISession: the new session is ``data/api`` = ``result.records[0]``."""
    sessions = [r for r in response.results if r.records and r.records[0].tag == "api"]
    if not sessions:
        ck.fail("extra.session", "no result whose first record is <api>")
        return
    api = sessions[0].records[0]
    ck.eq("extra.session", {k: api.get(k) for k in expected}, dict(expected))


def _extra_authentication_locationid(ck: Facts, response: Response, expected: Any) -> None:
    if response.operation is None:
        ck.fail("extra.authentication_locationid", "no operation")
        return
    ck.eq(
        "extra.authentication_locationid",
        response.operation.authentication.locationid,
        expected,
    )


def _extra_attachments(ck: Facts, response: Response, expected: list[dict[str, Any]]) -> None:
    """supdoc: ``<attachments><attachment>…`` reached through ``Record.nested``."""
    found: list[Record] = []
    for record in _all_records(response):
        for box in record.nested("attachments"):
            found.extend(box.nested("attachment"))
    if len(found) != len(expected):
        ck.fail("extra.attachments", f"expected {len(expected)}, parser gave {len(found)}")
        return
    for i, (attachment, want) in enumerate(zip(found, expected, strict=True)):
        for key, value in want.items():
            if key == "decoded":
                raw = base64.b64decode(attachment.get("attachmentdata", ""), validate=True)
                ck.eq(f"extra.attachments[{i}].decoded", raw.decode("utf-8"), value)
            else:
                ck.eq(f"extra.attachments[{i}].{key}", attachment.get(key), value)


def _extra_permissions(ck: Facts, response: Response, expected: Mapping[str, Any]) -> None:
    """getUserPermissions: permissions/appSubscription{applicationName, policies/policy}."""
    subscriptions = [
        sub
        for record in _all_records(response)
        if record.tag == "permissions"
        for sub in record.nested("appSubscription")
    ]
    if not subscriptions:
        ck.fail("extra.permissions", "no permissions/appSubscription record")
        return
    sub = subscriptions[0]
    for key, value in expected.items():
        if key == "policies":
            policies = [p for box in sub.nested("policies") for p in box.nested("policy")]
            ck.eq("extra.permissions.policies", [dict(p) for p in policies], value)
        else:
            ck.eq(f"extra.permissions.{key}", sub.get(key), value)


def _extra_inspect(ck: Facts, response: Response, expected: Mapping[str, Any]) -> None:
    """inspect: ``<Type Name>`` → Attributes, Fields/Field, walked with ``Record.nested``."""
    types = [r for result in response.results for r in result.records if r.tag == "Type"]
    if not types:
        ck.fail("extra.inspect", "no <Type> record")
        return
    type_ = types[0]
    attributes = type_.nested("Attributes")
    fields = [f for box in type_.nested("Fields") for f in box.nested("Field")]
    names = [f.get("Name") for f in fields] or [
        name for box in type_.nested("Fields") for name in box.getlist("Field")
    ]
    computed: dict[str, Callable[[], Any]] = {
        "type_name": lambda: type_.attributes.get("Name"),
        "singular": lambda: attributes[0].get("SingularName") if attributes else None,
        "plural": lambda: attributes[0].get("PluralName") if attributes else None,
        "field_count": lambda: len(names),
        "first_field": lambda: names[0] if names else None,
        "last_field": lambda: names[-1] if names else None,
        "required_fields": lambda: [f.get("Name") for f in fields if f.get("isRequired") == "true"],
        "externalDataName_counts": lambda: dict(Counter(f.get("externalDataName") for f in fields)),
        "dotted_field_count": lambda: sum(1 for n in names if n and "." in n),
    }
    by_name = {f.get("Name"): f for f in fields}
    for key, value in expected.items():
        if key == "fields":
            for name, facts in value.items():
                field = by_name.get(name)
                if field is None:
                    ck.fail(f"extra.inspect.fields.{name}", "no <Field> with that Name")
                    continue
                ck.eq(f"extra.inspect.fields.{name}", {k: field.get(k) for k in facts}, facts)
        elif key in computed:
            ck.eq(f"extra.inspect.{key}", computed[key](), value)
        else:
            _extra_generic(ck, response, value, f"extra.inspect.{key}")


def _extra_http_status(ck: Facts, response: Response, expected: Any) -> None:
    ck.eq("extra.http_status_in_source_test", response.http_status, expected)


def _slot_values(obj: object) -> list[object]:
    """The field values of a slotted dataclass (Control, ErrorDetail, ...)."""
    return [getattr(obj, name) for name in getattr(obj, "__slots__", ())]


def _parsed_values(response: Response) -> tuple[set[str], set[int]]:
    """Every string the typed objects carry, and every collection size."""
    strings: set[str] = set()
    sizes: set[int] = {len(response.results), len(response.errors)}
    for obj in (response.control, response.operation and response.operation.authentication):
        if obj is not None:
            strings.update(v for v in _slot_values(obj) if isinstance(v, str))
    errors = list(response.errors)
    if response.operation is not None:
        errors += response.operation.errors
        sizes.add(len(response.operation.errors))
    for result in response.results:
        errors += result.errors
        sizes.update({len(result.errors), len(result.records)})
        strings.update(v for v in (result.status, result.function, result.controlid) if v)
        if result.key is not None:
            strings.add(result.key)
        if result.listtype is not None:
            strings.update(v for v in _slot_values(result.listtype) if isinstance(v, str))
        if result.data is not None:
            strings.update(result.data.attributes.values())
    for error in errors:
        strings.update(v for v in _slot_values(error) if isinstance(v, str))
    for record in _all_records(response):
        strings.add(record.tag)
        strings.update(record.attributes.values())
        if record.text is not None:
            strings.add(record.text)
        for key in record:
            strings.add(key)
            strings.update(record.getlist(key))
        for tag, kids in record.children.items():
            strings.add(tag)
            sizes.add(len(kids))
    return strings, sizes


def _extra_generic(ck: Facts, response: Response, expected: Any, where: str) -> None:
    """Fallback for an ``extra`` fact without a dedicated check: every string it states
    must be a value of the parsed response, every number a value or a collection size."""
    strings, sizes = _parsed_values(response)

    def visit(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                visit(item, f"{path}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                visit(item, f"{path}[{i}]")
        elif isinstance(value, bool) or value is None:
            return
        elif isinstance(value, int):
            if value not in sizes and str(value) not in strings:
                ck.fail(path, f"{value!r} is neither a parsed value nor a collection size")
        elif isinstance(value, str) and value not in strings:
            ck.fail(path, f"{value!r} is not a value of the parsed response")

    visit(expected, where)


EXTRA_CHECKS: dict[str, Callable[[Facts, Response, Any], None]] = {
    "session": _extra_session,
    "authentication_locationid": _extra_authentication_locationid,
    "attachments": _extra_attachments,
    "permissions": _extra_permissions,
    "inspect": _extra_inspect,
    "http_status_in_source_test": _extra_http_status,
}


# --------------------------------------------------------------------------- tests


def test_expected_lists_every_sample_in_the_folder() -> None:
    on_disk = {p.name for p in FIXTURES.glob("*.xml")}
    assert RESPONSE_FILES, "EXPECTED.json lists no response samples"
    assert on_disk - FILES.keys() == set(), "XML files without facts in EXPECTED.json"
    assert FILES.keys() - on_disk == set(), "EXPECTED.json names files that are missing"


@pytest.mark.parametrize("name", RESPONSE_FILES)
def test_shared_response_facts(name: str) -> None:
    facts = FILES[name]
    body = _load(name)
    assert hashlib.sha256(body).hexdigest() == facts["sha256"], f"{name} changed on disk"

    response = parse_response(body, http_status=_http_status(facts))
    ck = Facts()
    if "xml_declaration" in facts:
        _check_declaration(ck, body, facts["xml_declaration"])
    if "control" in facts:
        ck.attrs("control", response.control, facts["control"])
    if "acknowledgement" in facts:
        ack = facts["acknowledgement"]
        if ack is None:
            ck.eq("acknowledgement", response.acknowledgement, None)
        else:
            for key, value in ack.items():
                if key == "status":
                    ck.eq("acknowledgement.status", response.acknowledgement, value)
                else:
                    ck.fail(f"acknowledgement.{key}", "fact not understood by this test")
    if "errors" in facts:
        _check_errors(ck, "errors", response.errors, facts["errors"])
    if "operation" in facts:
        _check_operation(ck, response, facts["operation"])
    for key, value in (facts.get("extra") or {}).items():
        check = EXTRA_CHECKS.get(key)
        if check is not None:
            check(ck, response, value)
        else:
            _extra_generic(ck, response, value, f"extra.{key}")
    assert not ck.problems, f"{name}:\n  " + "\n  ".join(ck.problems)


@pytest.mark.parametrize("name", RESPONSE_FILES)
def test_shared_response_failures_are_classified_at_their_level(name: str) -> None:
    """A failing control/authentication level is an error, a clean answer is not;
    every non-success result (and only those) maps to a GatewayError of level result."""
    _, response = _parse(name)
    control_failed = response.control.status != "success"
    auth_failed = (
        response.operation is not None and response.operation.authentication.status != "success"
    )
    error = error_for_response(response)
    if control_failed or auth_failed or response.http_status >= 400:
        assert isinstance(error, GatewayError)
        expected_level = (
            "control" if control_failed else "authentication" if auth_failed else "http"
        )
        assert error.level == expected_level
        assert error.http_status == response.http_status
        if auth_failed and not control_failed:
            assert response.operation is not None
            assert error.errors == response.operation.errors
        else:
            assert error.errors == response.errors
    else:
        assert error is None, f"{name}: unexpected {error!r}"

    for result in response.results:
        result_error = error_for_result(result, http_status=response.http_status)
        if result.status == "success":
            assert result_error is None
        else:
            assert isinstance(result_error, GatewayError)
            assert result_error.level == "result"
            assert result_error.function == result.function
            assert result_error.control_id == result.controlid
            assert result_error.errors == result.errors
