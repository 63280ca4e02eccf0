"""lookup / inspect → ObjectModel → JSON Schema."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from intacct.client import IntacctClient
from intacct.client.metadata import ObjectModel
from intacct.errors import GatewayError
from intacct.protocol.response import parse_response

from ..shared_fixtures import shared_fixtures_dir
from .fakegw import Call, E, FakeGateway


def _field(**values: str) -> object:
    return E("Field", *(E(k, v) for k, v in values.items()))


def _lookup(call: Call) -> object:
    assert call.body.findtext("object") == "VENDOR"
    fields = E(
        "Fields",
        _field(
            ID="RECORDNO",
            LABEL="Record number",
            DESCRIPTION="",
            REQUIRED="false",
            READONLY="true",
            DATATYPE="INTEGER",
            ISCUSTOM="false",
        ),
        _field(
            ID="VENDORID",
            LABEL="Vendor ID",
            DESCRIPTION="Unique ID",
            REQUIRED="true",
            READONLY="false",
            DATATYPE="TEXT",
            ISCUSTOM="false",
        ),
        _field(
            ID="CREDITLIMIT",
            LABEL="Credit limit",
            DESCRIPTION="",
            REQUIRED="false",
            READONLY="false",
            DATATYPE="CURRENCY",
            ISCUSTOM="false",
        ),
        _field(
            ID="WHENMODIFIED",
            LABEL="When modified",
            DESCRIPTION="",
            REQUIRED="false",
            READONLY="true",
            DATATYPE="TIMESTAMP",
            ISCUSTOM="false",
        ),
        E(
            "Field",
            E("ID", "STATUS"),
            E("LABEL", "Status"),
            E("DESCRIPTION", ""),
            E("REQUIRED", "false"),
            E("READONLY", "false"),
            E("DATATYPE", "ENUM"),
            E("VALIDVALUES", E("VALIDVALUE", "active"), E("VALIDVALUE", "inactive")),
            E("ISCUSTOM", "false"),
        ),
        _field(
            ID="VENDOR_TIER",
            LABEL="Tier",
            DESCRIPTION="",
            REQUIRED="false",
            READONLY="false",
            DATATYPE="TEXT",
            ISCUSTOM="true",
        ),
    )
    rels = E(
        "Relationships",
        E(
            "Relationship",
            E("OBJECTPATH", "TERM"),
            E("OBJECTNAME", "APTERM"),
            E("LABEL", "Term"),
            E("RELATIONSHIPTYPE", "MANY2ONE"),
            E("RELATEDBY", "TERMNAME"),
        ),
    )
    return E(
        "data", E("Type", fields, rels, Name="VENDOR", DocumentType=""), listtype="All", count="1"
    )


def test_lookup_model_and_schema(client: IntacctClient, gateway: FakeGateway) -> None:
    gateway.handlers["lookup"] = _lookup  # type: ignore[assignment]
    model = client.lookup("VENDOR")
    assert model.name == "VENDOR"
    assert [f.name for f in model.fields][:2] == ["RECORDNO", "VENDORID"]
    assert model.required_fields == ["VENDORID"]
    assert model.field("VENDOR_TIER").custom
    assert model.field("STATUS").valid_values == ("active", "inactive")
    assert model.relationships[0].object_name == "APTERM"
    schema = model.to_json_schema()
    props = schema["properties"]
    assert props["RECORDNO"] == {
        "type": ["integer", "null"],
        "title": "Record number",
        "readOnly": True,
    }
    assert props["CREDITLIMIT"]["type"] == ["string", "null"]  # decimals never as floats
    assert props["CREDITLIMIT"]["format"] == "decimal"
    assert props["WHENMODIFIED"]["format"] == "date-time"
    assert props["STATUS"]["enum"] == ["active", "inactive", None]
    assert schema["required"] == ["VENDORID"]


def _typed_field(name: str, datatype: str, *valid: str) -> object:
    values = E("VALIDVALUES", *(E("VALIDVALUE", v) for v in valid)) if valid else None
    return E(
        "Field",
        E("ID", name),
        E("LABEL", name.title()),
        E("DESCRIPTION", ""),
        E("REQUIRED", "false"),
        E("READONLY", "false"),
        E("DATATYPE", datatype),
        values,
        E("ISCUSTOM", "false"),
    )


def _lookup_real_types(call: Call) -> object:
    """DATATYPEs the real gateway sends besides the emulator's (protocol reference)."""
    fields = E(
        "Fields",
        _typed_field("RECORDNO", "INTEGER"),
        _typed_field("DOCNO", "SEQUENCE"),
        _typed_field("TOTAL", "CURRENCY"),
        _typed_field("DISCOUNT", "PERCENT"),
        _typed_field("QTY", "NUMBER"),
        _typed_field("STATE", "ENUM", "Draft", "Posted"),
        _typed_field("KIND", "TEXT", "goods", "services"),
        _typed_field("REGIONS", "MULTIPICKLIST", "North", "South", "West"),
        _typed_field("WHENPOSTED", "DATE"),
        _typed_field("WHENMODIFIED", "TIMESTAMP"),
    )
    return E("data", E("Type", fields, Name="SODOCUMENT", DocumentType=""), count="1")


def test_lookup_types_of_the_real_gateway(client: IntacctClient, gateway: FakeGateway) -> None:
    gateway.handlers["lookup"] = _lookup_real_types  # type: ignore[assignment]
    model = client.lookup("SODOCUMENT")
    types = {f.name: f.type for f in model.fields}
    assert types == {
        "RECORDNO": "integer",
        "DOCNO": "integer",
        "TOTAL": "decimal",
        "DISCOUNT": "decimal",
        "QTY": "decimal",
        "STATE": "string",
        "KIND": "string",
        "REGIONS": "multipick",
        "WHENPOSTED": "date",
        "WHENMODIFIED": "datetime",
    }
    props = model.to_json_schema()["properties"]
    for name in ("TOTAL", "DISCOUNT", "QTY"):  # decimals: strings, never floats
        assert (props[name]["type"], props[name]["format"]) == (["string", "null"], "decimal")
    assert props["DOCNO"]["type"] == ["integer", "null"]
    assert props["KIND"]["enum"] == ["goods", "services", None]  # TEXT + VALIDVALUES: enum
    assert props["REGIONS"]["type"] == ["array", "null"]
    assert props["REGIONS"]["items"] == {"type": "string", "enum": ["North", "South", "West"]}
    decoded = model.decode(
        {
            "RECORDNO": "9",
            "DOCNO": "1001",
            "TOTAL": "250.10",
            "DISCOUNT": "2.50",
            "KIND": "goods",
            "REGIONS": "North#~#West",
        }
    )
    assert decoded == {
        "RECORDNO": 9,
        "DOCNO": 1001,
        "TOTAL": Decimal("250.10"),
        "DISCOUNT": Decimal("2.50"),
        "KIND": "goods",
        "REGIONS": ["North", "West"],
    }


def _inspect(call: Call) -> object:
    assert call.body.get("detail") == "1"
    field = E(
        "Field",
        E("Name", "CUSTOMERID"),
        E("dataName", "Pt_FieldString"),
        E("externalDataName", "string"),
        E("isRequired", "true"),
        E("isReadOnly", "false"),
        E("maxLength", "20"),
        E("DisplayLabel", "Customer ID"),
        E("Description", "Unique ID"),
    )
    onetime = E(
        "Field",
        E("Name", "ONETIME"),
        E("dataName", "Pt_FieldBoolean"),
        E("externalDataName", "boolean"),
        E("isRequired", "false"),
        E("isReadOnly", "false"),
        E("maxLength", "0"),
    )
    attrs = E("Attributes", E("SingularName", "Customer"), E("PluralName", "Customers"))
    return E(
        "data",
        E("Type", attrs, E("Fields", field, onetime), Name="CUSTOMER"),
        listtype="All",
        count="1",
    )


def test_inspect_model(client: IntacctClient, gateway: FakeGateway) -> None:
    gateway.handlers["inspect"] = _inspect  # type: ignore[assignment]
    model = client.inspect("CUSTOMER")
    assert (model.name, model.label, model.plural_label) == ("CUSTOMER", "Customer", "Customers")
    customer_id = model.field("CUSTOMERID")
    assert (customer_id.required, customer_id.max_length) == (True, 20)
    assert model.to_json_schema()["properties"]["CUSTOMERID"]["maxLength"] == 20
    assert model.field("ONETIME").type == "boolean"
    assert model.field("ONETIME").max_length is None


def test_no_type_in_answer(client: IntacctClient, gateway: FakeGateway) -> None:
    gateway.handlers["lookup"] = lambda call: E("data", listtype="All", count="0")
    with pytest.raises(GatewayError, match="no <Type>"):
        client.lookup("NOPE")


def test_inspect_model_from_the_real_capture() -> None:
    """The 2016 production ``inspect`` of CUSTOMER (shared fixture, read at run time)."""
    folder = shared_fixtures_dir()
    path = folder / "response-inspect-customer-detail.xml"
    if not path.exists():
        pytest.skip(f"shared fixtures not found at {folder}")
    facts = json.loads((folder / "EXPECTED.json").read_text())["files"][path.name]["extra"]
    model = ObjectModel.from_record(parse_response(path.read_bytes()).results[0].records[0])
    assert model.name == facts["inspect"]["type_name"]
    assert len(model.fields) == facts["inspect"]["field_count"]
    assert model.required_fields == facts["inspect"]["required_fields"]
    assert model.field("WHENMODIFIED").type == "datetime"
    assert model.field("WHENMODIFIED").read_only
    assert model.field("CREDITLIMIT").type == "decimal"
    assert model.field("CUSTOMERID").max_length == 20
