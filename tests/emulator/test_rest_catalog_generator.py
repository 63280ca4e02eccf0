"""tools/rest_catalog.py: the REST catalog generated from spec digests and the overlay.

A small digest of our own (the shapes Sage's OpenAPI uses: ``$ref``, ``allOf`` with a
shared audit schema, reference groups with an ``href`` example, owned lines, the
``RequiredProperties`` schema) goes through the generator; the packaged catalog is then
checked to be what the generator gives from the overlay wherever the digests are here
(``INTACCT_REST_SPECS``), the regenerate-and-diff check.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import rest_catalog as generator  # noqa: E402

SCHEMAS = "#/components/schemas/"
AUDIT = {
    "type": "object",
    "properties": {
        "createdDateTime": {"type": "string", "format": "date-time", "readOnly": True},
        "modifiedDateTime": {"type": "string", "format": "date-time", "readOnly": True},
    },
}
SHEET = {
    "type": "object",
    "properties": {
        "key": {"type": "string", "readOnly": True},
        "id": {"type": "string", "readOnly": True},
        "href": {"type": "string", "readOnly": True, "example": "/objects/time/sheet/1"},
        "beginDate": {"type": "string", "format": "date"},
        "hours": {"type": "number"},
        "amount": {"type": "string", "format": "decimal-precision-2"},
        "state": {"type": "string", "enum": ["draft", "submitted", None], "default": "draft"},
        "employee": {
            "type": "object",
            "properties": {
                "key": {"type": "string"},
                "id": {"type": "string"},
                "name": {"type": "string", "readOnly": True},
                "href": {"type": "string", "example": "/objects/company-config/employee/10"},
            },
        },
        "totals": {
            "type": "object",
            "readOnly": True,
            "properties": {"billable": {"type": "integer"}},
        },
        "lines": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/objects.time.sheet-line"},
        },
        "audit": {"readOnly": True, "allOf": [{"$ref": "#/components/schemas/audit"}]},
    },
}
LINE = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "sheet": {
            "type": "object",
            "properties": {
                "key": {"type": "string"},
                "href": {"type": "string", "example": "/objects/time/sheet/3"},
            },
        },
    },
}
REQUIRED = {
    "type": "object",
    "required": ["beginDate"],
    "properties": {"employee": {"type": "object", "required": ["id"]}},
}


def digest() -> dict[str, Any]:
    return {
        "module": "time",
        "objects": [
            {
                "path": "time/sheet",
                "kind": "object",
                "schema": "objects.time.sheet",
                "operations": ["create", "get", "update"],
                "actions": [],
            },
            {
                "path": "time/sheet-line",
                "kind": "object",
                "schema": "objects.time.sheet-line",
                "operations": ["get"],
                "actions": [],
            },
        ],
        "services": [],
        "schemas": {
            "audit": AUDIT,
            "objects.time.sheet": SHEET,
            "objects.time.sheet-line": LINE,
            "time-sheetRequiredProperties": REQUIRED,
        },
    }


def entry(path: str) -> dict[str, Any]:
    data = digest()
    obj = next(o for o in data["objects"] if o["path"] == path)
    return generator.generated("time", obj, data["schemas"])


def by_name(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in found["fields"]}


def test_a_spec_schema_becomes_dot_path_fields() -> None:
    sheet = entry("time/sheet")
    fields = by_name(sheet)
    assert sheet["operations"] == ["list", "get", "create", "update"]
    assert list(fields) == [
        "key", "id", "href", "beginDate", "hours", "amount", "state", "employee.key",
        "employee.id", "employee.name", "totals.billable", "lines",
        "audit.createdDateTime", "audit.modifiedDateTime",
    ]  # fmt: skip
    assert fields["beginDate"] == {"name": "beginDate", "type": "date", "required": True}
    assert fields["amount"]["format"] == "decimal-precision-2"
    assert fields["state"]["enum"] == ["draft", "submitted", None]
    assert fields["state"]["default"] == "draft"
    employee = fields["employee.id"]
    assert (employee["type"], employee["ref"], employee["required"]) == (
        "object-ref",
        "company-config/employee",
        True,
    )
    assert fields["employee.name"]["type"] == "string"  # a shown member, not the key
    assert fields["totals.billable"]["readOnly"] is True  # a read-only group's members
    assert fields["audit.modifiedDateTime"]["type"] == "date-time"
    assert fields["lines"] == {"name": "lines", "type": "array", "items": "time/sheet-line"}


def test_the_overlay_adds_hand_knowledge_and_refuses_what_the_spec_lacks() -> None:
    hand = {"xml_object": None, "fields": {"hours": {"u": "a note [U]"}}}
    sheet = generator.merged(entry("time/sheet"), hand, {}, {})
    assert by_name(sheet)["hours"]["u"] == "a note [U]" and sheet["rest_only"] is True
    with pytest.raises(generator.CatalogError, match="overlay field minutes is not in the spec"):
        generator.merged(entry("time/sheet"), {"fields": {"minutes": {"xml": "M"}}}, {}, {})
    with pytest.raises(generator.CatalogError, match="unknown keys"):
        generator.merged(entry("time/sheet"), {"xml_objects": "X"}, {}, {})


def test_a_twin_pairs_fields_by_name_where_the_types_agree() -> None:
    xml = {
        "SHEET": {
            "name": "SHEET",
            "id_field": None,
            "fields": [
                {"name": "BEGINDATE", "type": "date"},
                {"name": "HOURS", "type": "text"},  # the types disagree: no pairing
                {"name": "STATE", "type": "enum", "values": ["Draft", "Submitted"]},
                {"name": "EMPLOYEEID", "type": "text"},
            ],
        }
    }
    sheet = generator.merged(entry("time/sheet"), None, {}, xml)
    fields = by_name(sheet)
    assert sheet["xml_object"] == "SHEET" and sheet["twin"] == "by name [U]"
    assert fields["beginDate"]["xml"] == "BEGINDATE" and "xml" not in fields["hours"]
    assert fields["state"]["xml_values"] == {"draft": "Draft", "submitted": "Submitted"}
    assert fields["employee.id"]["xml"] == "EMPLOYEEID" and fields["key"]["xml"] == "RECORDNO"
    assert "hours" in sheet["xml_unmapped"]["fields"]
    alone = generator.merged(entry("time/sheet"), None, {"time/sheet": None}, xml)
    assert alone["xml_object"] is None and alone["rest_only"] is True


def test_a_dotted_field_the_name_cannot_pair_takes_a_synonym() -> None:
    overlays = {"g": {"a/x": {"fields": {"employee.id": {"xml": "EMPID"}, "id": {"xml": "N"}}}}}
    synonyms = generator.synonyms(overlays)
    assert synonyms == {"employee.id": ["EMPID"]}  # a plain name's pairing is no synonym
    xml = {
        "SHEET": {
            "name": "SHEET",
            "id_field": None,
            "fields": [{"name": "EMPID", "type": "text"}, {"name": "BEGINDATE", "type": "date"}],
        }
    }
    sheet = generator.merged(entry("time/sheet"), None, {}, xml, synonyms)
    assert by_name(sheet)["employee.id"]["xml"] == "EMPID"
    taken = {"fields": {"beginDate": {"xml": "EMPID"}}}  # another field has the column
    sheet = generator.merged(entry("time/sheet"), taken, {}, xml, synonyms)
    assert "xml" not in by_name(sheet)["employee.id"]
    xml["SHEET"]["fields"][0]["type"] = "date"  # a column that cannot hold the type
    assert (
        "xml"
        not in by_name(generator.merged(entry("time/sheet"), None, {}, xml, synonyms))[
            "employee.id"
        ]
    )


def test_a_dimension_pairs_with_its_columns() -> None:
    fields = [
        {"name": "DEPARTMENTDIMKEY", "type": "integer"},
        {"name": "DEPARTMENTID", "type": "text"},
    ]
    xml = {"LINE": {"name": "LINE", "id_field": None, "fields": fields}}
    line = generator.generated(
        "time",
        next(o for o in digest()["objects"] if o["path"] == "time/sheet-line"),
        digest()["schemas"],
    )
    line["fields"] += [
        {"name": "dimensions.department.key", "type": "string"},
        {"name": "dimensions.department.id", "type": "string"},
    ]
    found = by_name(generator.merged(line, {"xml_object": "LINE"}, {}, xml, {}))
    assert found["dimensions.department.id"]["xml"] == "DEPARTMENTID"
    assert "xml" not in found["dimensions.department.key"]  # an integer holds no string


def test_the_command_writes_then_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir(), out.mkdir()
    (specs / "time.json").write_text(json.dumps(digest()), encoding="utf-8")
    monkeypatch.setattr(generator, "CATALOG", out)
    assert generator.main(["--specs", str(specs), "--check"]) == 1  # nothing written yet
    assert generator.main(["--specs", str(specs)]) == 0
    written = json.loads((out / "time.json").read_text(encoding="utf-8"))
    assert [o["path"] for o in written["objects"]] == ["time/sheet", "time/sheet-line"]
    assert generator.main(["--specs", str(specs), "--check"]) == 0


@pytest.mark.skipif(
    not os.environ.get("INTACCT_REST_SPECS"),
    reason="INTACCT_REST_SPECS names no folder of spec digests (docs/rest-catalog.md)",
)
def test_the_packaged_catalog_is_what_the_specs_and_overlay_give() -> None:
    assert generator.main(["--specs", os.environ["INTACCT_REST_SPECS"], "--check"]) == 0


@pytest.mark.parametrize(
    "path", ["accounts-receivable/customer", "company-config/user", "tax/tax-detail"]
)
def test_pairing_an_object_again_from_the_catalog_gives_it_back(path: str) -> None:
    """``--pair`` (no digests): an object whose overlay has not changed since the
    catalog was written is merged into the very entry the catalog holds."""
    files = generator.paired_again([path])
    (content,) = files.values()
    (entry,) = [o for o in content["objects"] if o["path"] == path]
    packaged = json.loads((generator.CATALOG / next(iter(files))).read_text("utf-8"))
    assert entry == next(o for o in packaged["objects"] if o["path"] == path)


def test_pairing_again_refuses_an_object_the_overlay_adds_fields_to() -> None:
    with pytest.raises(generator.CatalogError, match="adds fields"):
        generator.paired_again(["accounts-receivable/invoice"])
