"""Generate the REST catalog (``src/intacct/protocol/rest_objects/<group>.json``) from
Sage's OpenAPI facts and our hand knowledge (docs/rest-catalog.md, "Generated").

Input, per portal group (``general-ledger``, ``company-configuration``...):

* a spec digest, ``<specs>/<group>.json``: the group's objects (path, kind, schema,
  operations, actions) and services, and its ``components.schemas`` as the portal's
  OpenAPI has them, minus prose (descriptions, examples but a reference's ``href``
  example, which names the object it points at). Made from the portal's
  ``_oas/<group>.openapi.yaml`` (or a copy of it) with ``--digest``, or by hand;
* the overlay, ``tools/rest_overlay/<group>.json``: what no spec says, per object
  (``xml_object``, ``xml_key``/``xml_id``, ``permissions``, ``lines``/``owner``,
  ``derived_from``, ``u`` notes, ``sources``) and per field (``xml``, ``xml_values``,
  ``u``); a field the overlay names that the spec lacks is an error unless it says
  ``"added": "<why>"``.

``python tools/rest_catalog.py --specs DIR`` writes the catalog; ``--check`` writes
nothing and fails naming each file that would change (the regenerate-and-diff check).
``--pair PATH...`` (no digests needed) merges the named objects again from what the
catalog holds of their specs and the overlay as it is now: for an object whose twin the
overlay changed, when the digests are not at hand. The catalog keeps every spec fact of
an object, so this writes what ``--specs`` would, for an object the overlay adds no
field to (one that does is refused: where its fields stood is not kept).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from intacct.protocol.rest_catalog import (  # every twin pairs them the same way
    STAMPS,
    distinct_columns,
)

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "src" / "intacct" / "protocol" / "rest_objects"
OVERLAY = ROOT / "tools" / "rest_overlay"
XML_CATALOG = ROOT / "src" / "intacct" / "emulator" / "catalog" / "objects"
PORTAL = "https://developer.sage.com/intacct/docs/_oas/{group}.openapi.yaml"
COPY = (
    "read via github:lorenz-bus-service/node-intacct-rest-api spec/{group}.json (copy of the "
    "portal's OpenAPI, fetched from https://developer.sage.com/intacct/apis/intacct/1/"
    "intacct-openapi/groups on 2026-09-16)"
)
#: the index's operations -> ours, in our order ("get" is the collection and a key)
_OPERATIONS = (("get", "list"), ("get", "get"), ("create", "create"), ("update", "update"))
_OPERATIONS += (("delete", "delete"),)
#: per-field keys the spec gives, in the order they are written
_SPEC_KEYS = ("format", "enum", "readOnly", "writeOnly", "required", "nullable", "deprecated")
_SPEC_KEYS += ("default", "maxLength")
#: per-object keys only the overlay gives
_HAND_OBJECT_KEYS = ("xml_object", "xml_key", "xml_id", "rest_only", "read_only", "lines")
_HAND_OBJECT_KEYS += ("owner", "derived_from", "permissions", "u", "operations")
_HAND_FIELD_KEYS = ("xml", "xml_values", "u", "note", "added")
#: spec facts the overlay may correct, each with a ``u`` saying why
_CORRECTED = ("ref", "ref_field", "required")


#: no synonyms (the hand pairings' table, :func:`synonyms`)
NONE: Mapping[str, list[str]] = MappingProxyType({})

_HREF = "every record answers its href; this schema does not list it [U]"


class CatalogError(Exception):
    """The spec digest and the overlay disagree, or one of them is malformed."""


# -- the spec's schemas, flattened into dot-path fields --------------------------------


def _ref_name(ref: str) -> str:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise CatalogError(f"unsupported $ref {ref!r}")
    return ref[len(prefix) :]


def _resolved(schema: Mapping[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with ``$ref`` followed and ``allOf`` merged (properties in order, a
    later member's keywords over an earlier one's, required lists joined)."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        if name not in schemas:
            raise CatalogError(f"$ref to a schema the digest lacks: {name}")
        base = _resolved(schemas[name], schemas)
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        return {**base, **extra}
    if "allOf" not in schema:
        return dict(schema)
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict[str, Any] = dict(merged.pop("properties", {}))
    required: list[str] = list(merged.pop("required", []))
    for member in schema["allOf"]:
        part = _resolved(member, schemas)
        for name, prop in part.pop("properties", {}).items():
            properties[name] = {**properties.get(name, {}), **prop}
        required += [r for r in part.pop("required", []) if r not in required]
        merged = {**part, **merged}
    merged.setdefault("type", "object")
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def _target(properties: Mapping[str, Any]) -> str | None:
    """The REST path a reference group points at, from its ``href`` example."""
    href = properties.get("href", {})
    example = href.get("example") if isinstance(href, Mapping) else None
    if not isinstance(example, str) or not example.startswith("/objects/"):
        return None
    parts = example.removeprefix("/objects/").split("/")
    if len(parts) < 3 or "<" in example:
        return None  # "/objects/affiliate-entity/23": no module, so no object named
    return "/".join(parts[:2])


def _type(prop: Mapping[str, Any]) -> tuple[str, str]:
    """(our type, format) of a leaf property: a string property listing its values is
    an enum (a boolean one listing ``true``/``false`` stays boolean)."""
    kind, fmt = prop.get("type", "string"), prop.get("format", "")
    if _enum_of(prop) is not None:
        return "enum", ""
    if kind == "string" and fmt in ("date", "date-time"):
        return fmt, ""
    if kind in ("string", "integer", "number", "boolean"):
        return kind, fmt if kind == "string" else ""
    return "string", fmt


def _enum_of(prop: Mapping[str, Any]) -> list[str | None] | None:
    """The listed values of a text property (None: none, or not all text)."""
    values = prop.get("enum")
    if values is None or prop.get("type", "string") != "string":
        return None
    if not all(v is None or isinstance(v, str) for v in values):
        return None
    return list(values)


def fields_of(schema: Mapping[str, Any], schemas: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every field of an object schema, as the catalog lists them."""
    return list(_walk(_resolved(schema, schemas), schemas, "", None, read_only=False))


def _walk(
    schema: Mapping[str, Any],
    schemas: Mapping[str, Any],
    prefix: str,
    ref: str | None,
    *,
    read_only: bool,
) -> Iterator[dict[str, Any]]:
    required = set(schema.get("required", ()))
    for name, raw in schema.get("properties", {}).items():
        prop = _resolved(raw, schemas)
        path = f"{prefix}{name}"
        ro = read_only or bool(prop.get("readOnly"))
        if name == "href" and prefix:
            continue  # every reference carries one: not listed
        if prop.get("type") == "array" or "items" in prop:
            yield _array(path, raw, prop, ro)
        elif prop.get("type") == "object" or "properties" in prop:
            target = _target(prop.get("properties", {}))
            yield from _walk(prop, schemas, f"{path}.", target, read_only=ro)
        else:
            yield _leaf(path, name, prop, ref, ro, name in required)


def _array(path: str, raw: Mapping[str, Any], prop: Mapping[str, Any], ro: bool) -> dict[str, Any]:
    field: dict[str, Any] = {"name": path, "type": "array"}
    items = prop.get("items", {})
    inner = raw.get("items", {}) if "items" in raw else items
    ref = inner.get("$ref") if isinstance(inner, Mapping) else None
    if isinstance(ref, str) and _ref_name(ref).startswith("objects."):
        field["items"] = _ref_name(ref).removeprefix("objects.").replace(".", "/", 1)
    if ro:
        field["readOnly"] = True
    return field


def _leaf(
    path: str, name: str, prop: Mapping[str, Any], ref: str | None, ro: bool, required: bool
) -> dict[str, Any]:
    kind, fmt = _type(prop)
    if ref is not None and name in ("key", "id"):
        kind, fmt = "object-ref", ""
    field: dict[str, Any] = {"name": path, "type": kind}
    facts = {**prop, "format": fmt, "readOnly": ro, "required": required and not ro}
    facts["enum"] = _enum_of(prop) if kind == "enum" else None
    for key in _SPEC_KEYS:
        value = facts.get(key)
        if key == "enum" and value is not None:
            field[key] = list(value)
        elif (key == "default" and key in prop) or _given(value):
            field[key] = value
    if ref is not None:
        field["ref"], field["ref_field"] = ref, name
    return field


def _given(value: Any) -> bool:
    """A keyword worth writing: set, and no list (lists are the enum's alone)."""
    return value not in (None, False, "", []) and not isinstance(value, list)


def _required(group: str, obj: Mapping[str, Any], schemas: Mapping[str, Any]) -> set[str]:
    """Dot paths a create must give: the ``<group>-<object>RequiredProperties`` schema."""
    short = obj["path"].split("/", 1)[1]
    head = obj["path"].split("/", 1)[0]
    for name in (f"{head}-{short}RequiredProperties", f"{group}-{short}RequiredProperties"):
        if name in schemas:
            return set(_required_paths(schemas[name], ""))
    return set()


def _required_paths(schema: Mapping[str, Any], prefix: str) -> Iterator[str]:
    for name in schema.get("required", ()):
        yield f"{prefix}{name}"
    for name, prop in schema.get("properties", {}).items():
        if isinstance(prop, Mapping) and prop.get("type") != "array":
            yield from _required_paths(prop, f"{prefix}{name}.")


# -- one object: the spec's facts, then the overlay's ----------------------------------


def generated(group: str, obj: Mapping[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    """The catalog entry the spec alone gives for ``obj`` (an index entry)."""
    if obj["schema"] not in schemas:
        raise CatalogError(f"{obj['path']}: schema {obj['schema']} is not in the digest")
    fields = fields_of(schemas[obj["schema"]], schemas)
    must = _required(group, obj, schemas)
    for field in fields:
        if field["name"] in must and not field.get("readOnly"):
            field["required"] = True  # a read-only field is the system's to fill
    _distinct_columns(fields)
    names = {f["name"] for f in fields}
    if "href" not in names:  # every record carries its own
        fields.insert(2, {"name": "href", "type": "string", "readOnly": True, "u": _HREF})
    sources = [PORTAL.format(group=group), COPY.format(group=group)]
    return _entry(obj, _operations(obj), fields, sources)


def _entry(
    obj: Mapping[str, Any],
    operations: list[str],
    fields: list[dict[str, Any]],
    sources: list[str],
) -> dict[str, Any]:
    """An entry as the spec alone gives it, its keys in the catalog's order (the twin,
    the overlay's keys and the pairing come after: :func:`merged`)."""
    return {
        "path": obj["path"],
        "schema": obj["schema"],
        "kind": obj.get("kind", "object"),
        "xml_object": None,
        "key": "key",
        "id": "id" if any(f["name"] == "id" for f in fields) else "key",
        "operations": operations,
        "actions": list(obj.get("actions", [])),
        "permissions": {},
        "fields": fields,
        "sources": sources,
    }


def _distinct_columns(fields: list[dict[str, Any]]) -> None:
    """Each field that cannot be its own column gets a ``column`` (the protocol's one
    rule, :func:`~intacct.protocol.rest_catalog.distinct_columns`)."""
    columns = distinct_columns(f["name"] for f in fields)
    for field in fields:
        if field["name"] in columns:
            field["column"] = columns[field["name"]]


def _operations(obj: Mapping[str, Any]) -> list[str]:
    """Ours in our order; a singleton (``.../setup``) is read whole, never listed."""
    ours = [mine for theirs, mine in _OPERATIONS if theirs in obj["operations"]]
    return [o for o in ours if o != "list"] if obj.get("kind") == "singleton" else ours


def merged(
    entry: dict[str, Any],
    hand: Mapping[str, Any] | None,
    twins: Mapping[str, str | None],
    xml: Mapping[str, Any],
    synonyms: Mapping[str, list[str]] = NONE,
) -> dict[str, Any]:
    """``entry`` with the overlay's knowledge, then its XML twin's columns paired by
    name where the overlay pairs none; a field the overlay names that the spec lacks is
    an error unless the overlay says why it is added."""
    hand = hand or {}
    unknown = set(hand) - {"fields", "key", "id", "sources", *_HAND_OBJECT_KEYS}
    if unknown:
        raise CatalogError(f"{entry['path']}: the overlay has unknown keys {sorted(unknown)}")
    for key in ("key", "id", *_HAND_OBJECT_KEYS):
        if key in hand:
            entry[key] = hand[key]
    entry["sources"] = list(dict.fromkeys([*entry["sources"], *hand.get("sources", [])]))
    _hand_fields(entry, hand.get("fields", {}))
    if "xml_object" not in hand:
        entry["xml_object"] = twin_of(entry["path"], twins, xml)
    twin = entry["xml_object"]
    if twin is not None and twin not in xml:
        raise CatalogError(f"{entry['path']}: its twin {twin} is not in the XML catalog")
    if twin is None:
        entry["rest_only"] = True
        return entry
    if "xml_object" not in hand:
        entry["twin"] = "overlay" if entry["path"] in twins else "by name [U]"
        entry["xml_key"] = "RECORDNO"
        if xml[twin].get("id_field"):
            entry["xml_id"] = xml[twin]["id_field"]
    pair(entry, xml, synonyms)  # what the overlay leaves: its "xml": null keeps a field unpaired
    for field in entry["fields"]:
        if "xml" in field and field["xml"] is None:
            del field["xml"]
    entry["xml_unmapped"] = {"fields": [f["name"] for f in entry["fields"] if "xml" not in f]}
    return entry


def _hand_fields(entry: dict[str, Any], fields: Mapping[str, Any]) -> None:
    by_name = {f["name"]: f for f in entry["fields"]}
    for name, extra in fields.items():
        field = by_name.get(name)
        if field is None:
            if "added" not in extra:
                raise CatalogError(f"{entry['path']}: overlay field {name} is not in the spec")
            field = {"name": name}
            entry["fields"].append(field)
            by_name[name] = field
        field.update(extra)


# -- XML twins: which XML object shares an object's records, field by field -----------

#: which XML storage types hold which REST types
_HOLDS = {
    "string": {"text", "enum"},
    "enum": {"enum", "text"},
    "integer": {"integer"},
    "number": {"decimal", "integer"},
    "boolean": {"boolean"},
    "date": {"date"},
    "date-time": {"timestamp"},
    "object-ref": {"text", "integer"},
}


def _norm(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", name.upper())


def xml_objects() -> dict[str, dict[str, Any]]:
    """The emulator's XML catalog, by object name (the twins' side of the pairing)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(XML_CATALOG.glob("*.json")):
        for obj in json.loads(path.read_text(encoding="utf-8"))["objects"]:
            found[obj["name"]] = obj
    return found


def twin_of(path: str, twins: Mapping[str, str | None], xml: Mapping[str, Any]) -> str | None:
    """The XML object sharing ``path``'s records: the overlay's twin list says (null:
    REST-only), else an XML object of the path's own name (``projects/task`` TASK)."""
    if path in twins:
        return twins[path]
    name = _norm(path.rsplit("/", 1)[1])
    return name if name in xml else None


def pair(
    entry: dict[str, Any], xml: Mapping[str, Any], synonyms: Mapping[str, list[str]] = NONE
) -> None:
    """Give each field of ``entry`` (whose ``xml_object`` is set) the XML column of the
    same meaning where the names say so and the types agree, else where a synonym
    (:func:`synonyms`) names a column no other field has; the overlay's pairings are
    kept as they are."""
    twin = xml[entry["xml_object"]]
    columns = {_norm(f["name"]): f for f in twin["fields"]}
    for stamp in STAMPS.values():
        columns.setdefault(_norm(stamp), {"name": stamp, "type": "any"})
    for field in entry["fields"]:
        if "xml" in field or field["type"] == "array":
            continue
        column = _column_for(field, entry, twin, columns)
        if column is None:
            taken = {f.get("xml") for f in entry["fields"]}
            column = _synonym_for(field, columns, synonyms, taken)
        if column is None:
            continue
        values = _enum_pairs(field, column)
        if values is None:
            continue
        field["xml"] = column["name"]
        if values:
            field["xml_values"] = values


def _column_for(
    field: Mapping[str, Any], entry: Mapping[str, Any], twin: Mapping[str, Any], columns: Any
) -> dict[str, Any] | None:
    name = field["name"]
    if name in STAMPS:
        return columns.get(_norm(STAMPS[name]))
    if name == entry["id"] and entry["id"] != "key" and twin.get("id_field"):
        return columns.get(_norm(twin["id_field"]))
    group, _, member = name.rpartition(".")
    if not group:
        found = columns.get(_norm(name))
    elif member in ("key", "id", "name") and field.get("ref"):
        found = columns.get(_norm(group + member)) or (
            columns.get(_norm(group)) if member == "id" else None
        )
    else:
        found = columns.get(_norm(group + member))
    if found is None or found["type"] == "any":
        return found
    return found if found["type"] in _HOLDS.get(field["type"], {"text"}) else None


def _synonym_for(
    field: Mapping[str, Any], columns: Any, synonyms: Mapping[str, list[str]], taken: set[Any]
) -> dict[str, Any] | None:
    """The first of ``field``'s synonyms the twin has, free and of a type that holds it."""
    for name in _candidates(field["name"], synonyms):
        found = columns.get(_norm(name))
        if found is None or found["name"] in taken:
            continue
        if found["type"] == "any" or found["type"] in _HOLDS.get(field["type"], {"text"}):
            return dict(found)
    return None


#: a dimension reference's members -> its XML columns (``dimensions.location.key`` ->
#: LOCATIONDIMKEY, ``.id`` -> LOCATIONID, ``.name`` -> LOCATIONNAME), as the hand
#: pairings of GLENTRY, APBILLITEM and ARINVOICEITEM have them
_DIMENSION = re.compile(r"dimensions\.(\w+)\.(key|id|name)")
_DIMENSION_COLUMNS = {"key": ("DIMKEY", "KEY"), "id": ("ID",), "name": ("NAME",)}


def synonyms(overlays: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """Each dotted REST field name the overlays pair by hand -> the XML columns they
    pair it with (``currency.txnCurrency`` -> CURRENCY, ``glAccount.id`` -> ACCOUNTNO,
    ``attachment.id`` -> SUPDOCID), most often first. Only dotted names: a plain one
    (``id``, ``name``) means something else in each object."""
    hand: dict[str, dict[str, int]] = {}
    for objects in overlays.values():
        for obj in objects.values():
            for name, extra in obj.get("fields", {}).items():
                column = extra.get("xml")
                if "." in name and isinstance(column, str):
                    counts = hand.setdefault(name, {})
                    counts[column] = counts.get(column, 0) + 1
    return {n: sorted(c, key=lambda k: (-c[k], k)) for n, c in hand.items()}


def _candidates(name: str, synonyms: Mapping[str, list[str]]) -> list[str]:
    """The columns ``name`` may pair with where its name says nothing: its synonyms,
    else, for a dimension's member, the dimension's column."""
    if name in synonyms:
        return synonyms[name]
    match = _DIMENSION.fullmatch(name)
    if match is None:
        return []
    return [match.group(1).upper() + end for end in _DIMENSION_COLUMNS[match.group(2)]]


def _enum_pairs(field: Mapping[str, Any], column: Mapping[str, Any]) -> dict[str, str] | None:
    """REST enum value -> the XML value of the same name ({} when they are the same or
    the field is no enum); None when some REST value has no XML value."""
    values = column.get("values") or []
    if field["type"] != "enum" or not values:
        return {}
    by_norm = {_norm(v): v for v in values}
    pairs: dict[str, str] = {}
    for member in field.get("enum", []):
        if member is None:
            continue
        xml_value = by_norm.get(_norm(member))
        if xml_value is None:
            return None
        if xml_value != member:
            pairs[member] = xml_value
    return pairs


# -- the files -------------------------------------------------------------------------


def build(specs: Path) -> dict[str, dict[str, Any]]:
    """Each group's catalog file content, by file name."""
    files: dict[str, dict[str, Any]] = {}
    twins, xml = _twins(), xml_objects()
    digests = {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(specs.glob("*.json"))}
    overlays = {group: _overlay(group) for group in digests}
    hand_synonyms = synonyms(overlays)
    for group, digest in digests.items():
        overlay = overlays[group]
        seen: set[str] = set()
        objects = []
        for obj in digest["objects"]:
            seen.add(obj["path"])
            entry = generated(group, obj, digest["schemas"])
            objects.append(merged(entry, overlay.get(obj["path"]), twins, xml, hand_synonyms))
        stray = set(overlay) - seen
        if stray:
            raise CatalogError(
                f"{group}: the overlay names objects the spec lacks: {sorted(stray)}"
            )
        files[f"{group}.json"] = {
            "module": group,
            "portal_group": group,
            "spec": PORTAL.format(group=group),
            "sources": [PORTAL.format(group=group), COPY.format(group=group)],
            "services": digest.get("services", []),
            "objects": objects,
        }
    return files


def paired_again(paths: list[str]) -> dict[str, dict[str, Any]]:
    """The catalog files holding ``paths``, those objects merged again (``--pair``)."""
    twins, xml = _twins(), xml_objects()
    groups = {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(CATALOG.glob("*.json"))}
    overlays = {group: _overlay(group) for group in groups}
    hand_synonyms = synonyms(overlays)
    files: dict[str, dict[str, Any]] = {}
    left = set(paths)
    for group, content in groups.items():
        for n, obj in enumerate(content["objects"]):
            if obj["path"] in left:
                left.discard(obj["path"])
                entry = _as_generated(obj)
                hand = overlays[group].get(obj["path"])
                content["objects"][n] = merged(entry, hand, twins, xml, hand_synonyms)
                files[f"{group}.json"] = content
    if left:
        raise CatalogError(f"the catalog has no objects {sorted(left)}")
    return files


def _as_generated(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog entry as :func:`generated` gave it, before the overlay and the twin
    (an overlay's correction of a spec fact, ``ref`` or ``required``, stays)."""
    if any("added" in f for f in obj["fields"]):
        raise CatalogError(f"{obj['path']}: the overlay adds fields to it; use --specs")
    fields = [_spec_only(f) for f in obj["fields"]]
    return _entry(obj, obj["operations"], fields, obj["sources"][:2])  # portal, copy


def _spec_only(field: Mapping[str, Any]) -> dict[str, Any]:
    """``field`` without the overlay's keys (the generator's own ``u`` on ``href`` kept)."""
    hand = {k for k in _HAND_FIELD_KEYS if k != "u" or field.get("u") != _HREF}
    return {k: v for k, v in field.items() if k not in hand}


def _twins() -> dict[str, str | None]:
    """The overlay's twin list: REST path -> XML object (null: REST-only)."""
    path = OVERLAY / "twins.json"
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {**dict.fromkeys(data.get("rest_only", [])), **data.get("twins", {})}


def _overlay(group: str) -> dict[str, Any]:
    path = OVERLAY / f"{group}.json"
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data["objects"]


def _text(content: Mapping[str, Any]) -> str:
    return json.dumps(content, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--specs", type=Path, help="folder of spec digests")
    given.add_argument("--pair", nargs="+", metavar="PATH", help="objects to merge again")
    parser.add_argument("--check", action="store_true", help="fail if a file would change")
    args = parser.parse_args(argv)
    try:
        files = build(args.specs) if args.specs else paired_again(args.pair)
    except CatalogError as exc:
        print(f"rest_catalog: {exc}", file=sys.stderr)
        return 1
    changed = [n for n, c in files.items() if _current(CATALOG / n) != _text(c)]
    if args.check:
        for name in changed:
            print(f"rest_catalog: {name} differs from what the specs and overlay give")
        return 1 if changed else 0
    for name in changed:
        (CATALOG / name).write_text(_text(files[name]), encoding="utf-8")
    print(f"rest_catalog: {len(files)} files, {len(changed)} written")
    return 0


def _current(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
