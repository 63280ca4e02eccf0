"""The REST catalog (``intacct/protocol/rest_objects/*.json``) is well formed and agrees
with the emulator's XML catalog (``catalog/objects/*.json``).

docs/rest-catalog.md describes the shape; these checks hold it to that description.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from intacct.emulator.catalog import Catalog, load_catalog
from intacct.replication import objects_among
from intacct.replication.catalog import DEFAULT_OBJECTS

#: what every field's ``type`` may be
TYPES = {
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "date-time",
    "enum",
    "object-ref",
    "array",
}
#: keys every object entry carries (``xml_object`` may be null: a REST-only object)
OBJECT_KEYS = {
    "path",
    "schema",
    "xml_object",
    "key",
    "id",
    "operations",
    "fields",
    "permissions",
    "sources",
}
OPERATIONS = {"list", "get", "create", "update", "delete"}
FLAGS = ("required", "readOnly", "writeOnly", "nullable", "deprecated")
#: the objects a default sync reads, each with its REST counterpart (the trial balance is
#: a declared stream, a report, not an object)
DEFAULT_XML_OBJECTS = objects_among(DEFAULT_OBJECTS)


def _rest_files() -> list[Any]:
    folder = resources.files("intacct.protocol.rest_objects")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)


def _load(file: Any) -> dict[str, Any]:
    data = json.loads(file.read_text(encoding="utf-8"))
    assert isinstance(data, dict), file.name
    return data


FILES = _rest_files()
DOCS = {file.name: _load(file) for file in FILES}
OBJECTS = {
    obj["path"]: (name, obj)
    for name, doc in DOCS.items()
    for obj in doc["objects"]
    if isinstance(obj, dict) and "path" in obj
}


@pytest.fixture(scope="module")
def xml_catalog() -> Catalog:
    return load_catalog()


def test_files_exist_and_load() -> None:
    names = {file.name for file in FILES}
    assert {"general-ledger.json", "accounts-payable.json", "accounts-receivable.json"} <= names
    for name, doc in DOCS.items():
        assert name == f"{doc['module']}.json"
        assert doc["sources"], name
        assert isinstance(doc["objects"], list) and doc["objects"], name


def test_paths_are_unique() -> None:
    paths = [obj["path"] for doc in DOCS.values() for obj in doc["objects"]]
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize("path", sorted(OBJECTS))
def test_entry_shape(path: str) -> None:
    file, obj = OBJECTS[path]
    missing = OBJECT_KEYS - obj.keys()
    assert not missing, f"{path}: missing {sorted(missing)}"
    module, _, name = path.partition("/")
    assert module == DOCS[file]["module"] and name and "/" not in name
    assert set(obj["operations"]) <= OPERATIONS
    assert obj["sources"] and all(isinstance(s, str) and s for s in obj["sources"])
    assert isinstance(obj["permissions"], dict) and obj["permissions"].get("read")
    names = [field["name"] for field in obj["fields"]]
    assert len(names) == len(set(names)), f"{path}: a field is listed twice"
    assert obj["key"] in names and obj["id"] in names


@pytest.mark.parametrize("path", sorted(OBJECTS))
def test_field_shapes(path: str) -> None:
    _, obj = OBJECTS[path]
    for field in obj["fields"]:
        where = f"{path}.{field.get('name')}"
        assert isinstance(field.get("name"), str) and field["name"], where
        assert field.get("type") in TYPES, f"{where}: type {field.get('type')!r}"
        for flag in FLAGS:
            assert isinstance(field.get(flag, False), bool), f"{where}: {flag}"
        assert not (field.get("required") and field.get("readOnly")), where
        if field["type"] == "enum":
            assert isinstance(field.get("enum"), list) and field["enum"], where
            assert all(v is None or isinstance(v, str) for v in field["enum"]), where
            for value in field.get("xml_values", {}):
                assert value in field["enum"], f"{where}: xml_values names {value!r}"
        else:
            assert "enum" not in field and "xml_values" not in field, where
        if field["type"] == "object-ref":
            assert field.get("ref") and field.get("ref_field"), where
        if field["type"] == "array":
            assert field.get("items"), where
        if "u" in field:
            assert isinstance(field["u"], str) and field["u"], where


@pytest.mark.parametrize("path", sorted(OBJECTS))
def test_xml_names_exist(path: str, xml_catalog: Catalog) -> None:
    _, obj = OBJECTS[path]
    xml_name = obj["xml_object"]
    if xml_name is None:
        assert all("xml" not in field for field in obj["fields"]), path
        return
    xml_obj = xml_catalog.get_object(xml_name)
    assert xml_obj is not None, f"{path}: no XML object {xml_name}"
    for attr in ("xml_key", "xml_id"):
        if obj.get(attr):
            assert xml_obj.field(obj[attr]) is not None, f"{path}: {attr} {obj[attr]}"
    for field in obj["fields"]:
        if "xml" not in field:
            continue
        xml_field = xml_obj.field(field["xml"])
        assert xml_field is not None, f"{path}.{field['name']}: {xml_name} has no {field['xml']}"
        known = set(xml_field.values) | set(xml_field.codes)
        where = f"{path}.{field['name']}: {xml_name}.{field['xml']}"
        for value in field.get("xml_values", {}).values():
            assert not known or value in known, f"{where} has no value {value!r}"
    unmapped = obj.get("xml_unmapped", {}).get("fields", [])
    assert set(unmapped) == {f["name"] for f in obj["fields"] if "xml" not in f}, path


def test_rest_only_objects_have_a_source() -> None:
    rest_only = [obj for _, obj in OBJECTS.values() if obj["xml_object"] is None]
    assert rest_only, "the catalog names at least one REST-only object"
    for obj in rest_only:
        assert obj.get("rest_only") is True, obj["path"]
        assert obj["sources"] and obj.get("u"), obj["path"]


def test_default_objects_have_rest_counterparts(xml_catalog: Catalog) -> None:
    mapped = {obj["xml_object"] for _, obj in OBJECTS.values()}
    for name in DEFAULT_XML_OBJECTS:
        assert name in xml_catalog, name
        assert name in mapped, f"{name} has no REST entry"


def test_lines_and_owners_agree(xml_catalog: Catalog) -> None:
    for path, (_, obj) in OBJECTS.items():
        lines = obj.get("lines")
        if lines:
            assert lines["path"] in OBJECTS, path
            _, line = OBJECTS[lines["path"]]
            assert line["owner"]["path"] == path
            assert f"{line['owner']['field']}.key" in {f["name"] for f in line["fields"]}
            owned = dict(xml_catalog[obj["xml_object"]].owned)
            assert owned.get(lines["xml_owned"]) == line["xml_object"], path
            assert xml_catalog[line["xml_object"]].parent_key == line["owner"]["xml_parent_key"]
        owner = obj.get("owner")
        if owner:
            assert owner["path"] in OBJECTS, path
