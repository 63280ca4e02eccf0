"""The packaged object catalog (``objects/*.json``) is complete and self-consistent."""

from __future__ import annotations

import json

import pytest

from intacct.emulator.catalog import (
    AUDIT_FIELDS,
    Catalog,
    ObjectDef,
    catalog_files,
    load_catalog,
)

REQUIRED_OBJECTS = [
    "GLACCOUNT",
    "GLBATCH",
    "GLENTRY",
    "GLDETAIL",
    "STATACCOUNT",
    "GLBUDGETHEADER",
    "GLBUDGETITEM",
    "REPORTINGPERIOD",
    "VENDOR",
    "APBILL",
    "APBILLITEM",
    "APPYMT",
    "APPYMTDETAIL",
    "APADJUSTMENT",
    "APTERM",
    "CUSTOMER",
    "ARINVOICE",
    "ARINVOICEITEM",
    "ARPYMT",
    "ARPYMTDETAIL",
    "ARADJUSTMENT",
    "ARTERM",
    "CHECKINGACCOUNT",
    "SAVINGSACCOUNT",
    "CREDITCARD",
    "DEPOSIT",
    "DEPARTMENT",
    "LOCATION",
    "CLASS",
    "PROJECT",
    "TASK",
    "EMPLOYEE",
    "ITEM",
    "CONTACT",
    "WAREHOUSE",
    "USERINFO",
    "LOCATIONENTITY",
    "PROJECTTYPE",
    "TIMESHEET",
    "ITEMGLGROUP",
    "UOM",
    "AUDITHISTORY",
    "ALLOCATION",
]
STANDARD_DIMENSIONS = (
    "DEPARTMENT",
    "LOCATION",
    "PROJECT",
    "CUSTOMER",
    "VENDOR",
    "EMPLOYEE",
    "ITEM",
    "CLASS",
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_loads_the_readable_objects_including_the_required_ones(catalog: Catalog) -> None:
    assert len(catalog) >= 150  # issue 7: Intacct's XML API reference has hundreds
    assert not set(REQUIRED_OBJECTS) - set(catalog)
    assert all(name == name.upper() for name in catalog)


def test_every_object_names_where_its_field_list_came_from(catalog: Catalog) -> None:
    missing = [o.name for o in catalog.values() if not o.sources or not all(o.sources)]
    assert missing == []


def test_files_are_valid_hand_readable_json_one_per_module() -> None:
    files = catalog_files()
    assert len(files) >= 8
    for file in files:
        text = file.read_text(encoding="utf-8")
        data = json.loads(text)
        assert text.startswith('{\n  "objects": [\n    {\n      "name": '), file.name
        assert text.endswith("\n"), file.name
        names = [o["name"] for o in data["objects"]]
        assert len(names) == len(set(names)), file.name


def test_objects_have_labels_modules_and_sizes(catalog: Catalog) -> None:
    for obj in catalog.values():
        assert obj.module and obj.label and obj.plural, obj.name
        own = [f for f in obj.fields if f.name not in {a["name"] for a in AUDIT_FIELDS}]
        assert 3 <= len(own) <= 400, (obj.name, len(own))
        assert len(obj.field_names) == len(set(obj.field_names)), obj.name
        assert all(f.label for f in obj.fields), obj.name


def test_id_and_name_fields_exist(catalog: Catalog) -> None:
    for obj in catalog.values():
        for attr in (obj.id_field, obj.name_field):
            assert attr is None or obj.field(attr) is not None, (obj.name, attr)
    expected = {
        "VENDOR": "VENDORID",
        "CUSTOMER": "CUSTOMERID",
        "GLACCOUNT": "ACCOUNTNO",
        "DEPARTMENT": "DEPARTMENTID",
        "LOCATION": "LOCATIONID",
        "CLASS": "CLASSID",
        "PROJECT": "PROJECTID",
        "EMPLOYEE": "EMPLOYEEID",
        "ITEM": "ITEMID",
        "CONTACT": "CONTACTNAME",
        "CHECKINGACCOUNT": "BANKACCOUNTID",
        "SAVINGSACCOUNT": "BANKACCOUNTID",
        "CREDITCARD": "CARDID",
        "LOCATIONENTITY": "LOCATIONID",
        "AUDITHISTORY": "ID",
    }
    assert {name: catalog[name].id_field for name in expected} == expected
    assert catalog["APBILL"].id_field is None and catalog["GLBATCH"].id_field is None


def test_every_enum_has_values_and_matching_codes(catalog: Catalog) -> None:
    for obj in catalog.values():
        for f in obj.fields:
            if f.type == "enum":
                assert f.values, (obj.name, f.name)
                assert not f.codes or len(f.codes) == len(f.values), (obj.name, f.name)
                assert f.default is None or f.default in f.values, (obj.name, f.name)
            else:
                assert not f.values and not f.codes, (obj.name, f.name)
    status = catalog["VENDOR"].field("STATUS")
    assert status is not None and status.values == ("active", "inactive")
    assert status.codes == ("T", "F")


def test_text_fields_declare_a_length(catalog: Catalog) -> None:
    audit = {a["name"] for a in AUDIT_FIELDS}  # defined in code, not in the catalog files
    text = [
        (o.name, f)
        for o in catalog.values()
        for f in o.fields
        if f.type == "text" and f.name not in audit
    ]
    assert [(name, f.name) for name, f in text if not f.maxlength] == []
    assert catalog["CUSTOMER"].field("CUSTOMERID").maxlength == 20  # type: ignore[union-attr]


def test_every_ref_points_to_an_existing_object_and_key(catalog: Catalog) -> None:
    for obj in catalog.values():
        for f in obj.fields:
            if f.ref is None:
                continue
            target = catalog.get_object(f.ref)
            assert target is not None, (obj.name, f.name, f.ref)
            # integer refs hold RECORDNO; text refs hold the target's business id
            assert f.type in ("integer", "text"), (obj.name, f.name)
            if f.type == "text":
                assert target.id_field is not None, (obj.name, f.name, f.ref)
    ref = catalog["APBILL"].field("VENDORID")
    assert ref is not None and ref.ref == "VENDOR"


def test_owned_collections_and_parents_agree(catalog: Catalog) -> None:
    owners: dict[str, str] = {}
    for obj in catalog.values():
        for child_name in obj.owned.values():
            child = catalog[child_name]
            assert child.parent == obj.name, (obj.name, child_name)
            owners[child_name] = obj.name
    for obj in catalog.values():
        if obj.parent is None:
            assert obj.parent_key is None, obj.name
            continue
        assert owners.get(obj.name) == obj.parent, obj.name
        key = obj.field(obj.parent_key or "")
        assert key is not None and key.type == "integer" and key.ref == obj.parent, obj.name
        assert key.required, obj.name
    assert catalog["GLBATCH"].owned == {"ENTRIES": "GLENTRY"}
    assert catalog["APBILL"].owned == {"APBILLITEMS": "APBILLITEM"}
    assert catalog["ARINVOICE"].owned == {"ARINVOICEITEMS": "ARINVOICEITEM"}
    assert catalog["APPYMT"].owned == {"APPYMTDETAILS": "APPYMTDETAIL"}
    assert (catalog["GLENTRY"].parent, catalog["GLENTRY"].parent_key) == ("GLBATCH", "BATCHKEY")
    assert catalog["APBILLITEM"].parent_key == "RECORDKEY"


def test_views_are_read_only(catalog: Catalog) -> None:
    assert not catalog["GLDETAIL"].writable
    audit = catalog["AUDITHISTORY"]
    assert not audit.writable
    assert "WHENMODIFIED" not in audit.field_names and "RECORDNO" in audit.field_names
    for name in (
        "ID",
        "USERID",
        "ACCESSTIME",
        "ACCESSMODE",
        "SOURCE",
        "OBJECTTYPE",
        "OBJECTKEY",
        "OBJECTDESC",
        "WORKFLOWACTION",
    ):
        assert audit.field(name) is not None, name
    access = audit.field("ACCESSTIME")
    mode = audit.field("ACCESSMODE")
    assert access is not None and access.type == "timestamp"
    assert mode is not None and mode.type == "enum" and "Create" in mode.values
    assert catalog["VENDOR"].writable


def test_audit_fields_are_added_to_standard_objects(catalog: Catalog) -> None:
    vendor = catalog["VENDOR"]
    assert vendor.field_names[0] == "RECORDNO"
    for audit in AUDIT_FIELDS:
        f = vendor.field(audit["name"])
        assert f is not None and f.readonly


def test_entity_scoping(catalog: Catalog) -> None:
    scoped = (
        "VENDOR",
        "CUSTOMER",
        "APBILL",
        "APBILLITEM",
        "ARINVOICE",
        "GLBATCH",
        "GLENTRY",
        "GLDETAIL",
        "DEPARTMENT",
        "CHECKINGACCOUNT",
        "DEPOSIT",
    )
    shared = ("GLACCOUNT", "CLASS", "APTERM", "ARTERM", "USERINFO", "LOCATIONENTITY")
    assert all(catalog[name].entity_scoped for name in scoped)
    assert not any(catalog[name].entity_scoped for name in shared)


def test_dimensions_and_a_user_defined_dimension(catalog: Catalog) -> None:
    for name in STANDARD_DIMENSIONS:
        assert catalog[name].dimension, name
    udds = [o for o in catalog.values() if o.user_defined_dimension]
    assert len(udds) == 1 and udds[0].dimension
    fund_fields = [f for f in catalog["GLENTRY"].fields if f.ref == udds[0].name]
    assert fund_fields and all(f.custom for f in fund_fields)


def test_custom_and_unqueryable_fields(catalog: Catalog) -> None:
    custom = {(o.name, f.name) for o in catalog.values() for f in o.fields if f.custom}
    assert {("VENDOR", "VENDOR_TIER"), ("CUSTOMER", "CUSTOMER_HEALTH")} <= custom
    assert len({obj for obj, _ in custom}) >= 3
    payto = catalog["APBILL"].field("PAYTO.CONTACTNAME")
    assert payto is not None and not payto.queryable
    unqueryable = [f for o in catalog.values() for f in o.fields if not f.queryable]
    assert 1 <= len(unqueryable) <= 80


@pytest.mark.parametrize(
    ("name", "create", "delete", "key_attr"),
    [
        ("VENDOR", "create_vendor", "delete_vendor", "vendorid"),
        ("CUSTOMER", "create_customer", "delete_customer", "customerid"),
        ("CLASS", "create_class", "delete_class", "key"),
        ("GLACCOUNT", "create_glaccount", "delete_glaccount", "glaccountno"),
        ("DEPARTMENT", "create_department", "delete_department", "departmentid"),
        ("LOCATION", "create_location", "delete_location", "locationid"),
        ("PROJECT", "create_project", "delete_project", "key"),
        ("EMPLOYEE", "create_employee", "delete_employee", "employeeid"),
        ("ITEM", "create_item", "delete_item", "itemid"),
        ("CONTACT", "create_contact", "delete_contact", "contactname"),
        ("APBILL", "create_bill", "delete_bill", "key"),
        ("ARINVOICE", "create_invoice", "delete_invoice", "key"),
    ],
)
def test_legacy_functions(
    catalog: Catalog, name: str, create: str, delete: str, key_attr: str
) -> None:
    legacy = catalog[name].legacy
    assert (legacy["create"], legacy["delete"], legacy["key_attr"]) == (create, delete, key_attr)


def test_legacy_functions_always_name_their_key(catalog: Catalog) -> None:
    for obj in catalog.values():
        if obj.legacy:
            assert obj.legacy.get("key_attr"), obj.name
            assert all(isinstance(v, str) and v for v in obj.legacy.values()), obj.name


def test_lookups_are_case_insensitive(catalog: Catalog) -> None:
    vendor: ObjectDef = catalog["vendor"]
    assert vendor is catalog["VENDOR"] and catalog.get_object("Nope") is None


def test_owned_collection_names_must_be_upper_case() -> None:
    data = {"name": "DOC", "fields": [{"name": "DOCID"}], "owned": {"Lines": "DOCLINE"}}
    with pytest.raises(ValueError, match="'Lines' must be upper-case"):
        ObjectDef.from_data(data)
