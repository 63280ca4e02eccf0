"""lookup, inspect, getDimensions, getUserPermissions, readUserFormatting,
readEntityDetails — all rendered from the same catalog the store is built from."""

from __future__ import annotations

from lxml import etree

from intacct.emulator.catalog import FieldDef, ObjectDef
from intacct.emulator.dispatch import Ctx, Handler, Outcome
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.handlers.common import bad_parameter, object_def, text_param
from intacct.emulator.store import User
from intacct.emulator.values import date_format_code, gmt_offset, wall_clock

__all__ = ["HANDLERS"]

_INSPECT_TYPES = {
    "integer": ("Pt_FieldInt", "integer"),
    "decimal": ("Pt_FieldDouble", "number"),
    "text": ("Pt_FieldString", "string"),
    "boolean": ("Pt_FieldBoolean", "boolean"),
    "date": ("Pt_FieldDate", "date"),
    "timestamp": ("Pt_FieldDateTime", "datetime"),
    "enum": ("Pt_FieldString", "string"),
}


def _leaf(parent: etree._Element, tag: str, text: object) -> None:
    etree.SubElement(parent, tag).text = str(text)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _lookup_field(f: FieldDef) -> etree._Element:
    el = etree.Element("Field")
    _leaf(el, "ID", f.name)
    _leaf(el, "LABEL", f.label or f.name)
    _leaf(el, "DESCRIPTION", f.description)
    _leaf(el, "REQUIRED", _flag(f.required))
    _leaf(el, "READONLY", _flag(f.readonly))
    _leaf(el, "DATATYPE", f.lookup_type)
    if f.values:
        box = etree.SubElement(el, "VALIDVALUES")
        for value in f.values:
            _leaf(box, "VALIDVALUE", value)
    _leaf(el, "ISCUSTOM", _flag(f.custom))
    return el


def lookup(ctx: Ctx) -> Outcome:
    obj = object_def(ctx, text_param(ctx, "object", required=True))
    type_el = etree.Element("Type", Name=obj.name, DocumentType="")
    fields = etree.SubElement(type_el, "Fields")
    fields.extend(_lookup_field(f) for f in obj.fields)
    rels = etree.SubElement(type_el, "Relationships")
    for f in obj.fields:
        if f.ref:
            rel = etree.SubElement(rels, "Relationship")
            _leaf(rel, "OBJECTPATH", f.name.split(".")[0])
            _leaf(rel, "OBJECTNAME", f.ref)
            _leaf(rel, "LABEL", f.label or f.ref.title())
            _leaf(rel, "RELATIONSHIPTYPE", "MANY2ONE")
            _leaf(rel, "RELATEDBY", f.name)
    data = etree.Element("data", listtype="All", count="1")
    data.append(type_el)
    return Outcome(data=data)


def _inspect_field(f: FieldDef, n: int) -> etree._Element:
    el = etree.Element("Field")
    data_name, external = _INSPECT_TYPES[f.type]
    _leaf(el, "Name", f.name)
    _leaf(el, "GroupName", "")
    _leaf(el, "dataName", data_name)
    _leaf(el, "externalDataName", external)
    _leaf(el, "isRequired", _flag(f.required))
    _leaf(el, "isReadOnly", _flag(f.readonly))
    _leaf(el, "maxLength", f.maxlength or 0)
    _leaf(el, "DisplayLabel", f.label or f.name)
    _leaf(el, "Description", f.description)
    _leaf(el, "id", 999_000_000_000_000 + n)
    return el


def inspect(ctx: Ctx) -> Outcome:
    name = text_param(ctx, "object") or text_param(ctx, "name")
    data = etree.Element("data", listtype="All", count="1")
    if name == "*":
        for obj in ctx.store.catalog.values():
            etree.SubElement(data, "type", typename=obj.name).text = obj.label or obj.name
        data.set("count", str(len(data)))
        return Outcome(data=data)
    obj = _by_name_or_label(ctx, name)
    type_el = etree.SubElement(data, "Type", Name=obj.name)
    fields = etree.Element("Fields")
    if (ctx.fn.body.get("detail") or "0") == "1":
        attrs = etree.SubElement(type_el, "Attributes")
        _leaf(attrs, "SingularName", obj.label)
        _leaf(attrs, "PluralName", obj.plural)
        _leaf(attrs, "Description", "")
        fields.extend(_inspect_field(f, n) for n, f in enumerate(obj.fields, start=1))
    else:
        for f in obj.fields:
            _leaf(fields, "Field", f.name)
    type_el.append(fields)
    return Outcome(data=data)


def _by_name_or_label(ctx: Ctx, name: str) -> ObjectDef:
    obj = ctx.store.catalog.get_object(name)
    if obj is None:
        obj = next(
            (
                o
                for o in ctx.store.catalog.values()
                if name.lower() in (o.label.lower(), o.plural.lower())
            ),
            None,
        )
    return object_def(ctx, obj.name if obj else name)


def get_dimensions(ctx: Ctx) -> Outcome:
    data = etree.Element("data")
    box = etree.SubElement(data, "dimensions")
    for obj in ctx.store.catalog.values():
        if obj.dimension:
            dim = etree.SubElement(box, "dimension")
            _leaf(dim, "objectName", obj.name)
            _leaf(dim, "objectLabel", obj.label)
            _leaf(dim, "termLabel", obj.label)
            _leaf(dim, "userDefinedDimension", _flag(obj.user_defined_dimension))
            _leaf(dim, "enabledInGL", "true")
    return Outcome(data=data)


_RIGHTS = "List|View|Add|Edit|Delete"


def _no_such_user(what: str, correction: str) -> FunctionError:
    return FunctionError(ErrorLine("BL03000025", "", f"{what} does not exist.", correction))


def _user_by_login(ctx: Ctx, userid: str) -> User:
    user = ctx.store.user(ctx.company.id, userid)
    if user is None:
        raise _no_such_user(f"Login ID {userid}", "Provide a valid USER.LOGINID value.")
    return user


def get_user_permissions(ctx: Ctx) -> Outcome:
    user = _user_by_login(ctx, text_param(ctx, "userId", required=True))
    data = etree.Element("data")
    permissions = etree.SubElement(data, "permissions")
    modules = sorted({o.module for o in ctx.store.catalog.values()} - user.denied_modules)
    for module in modules:
        app = etree.SubElement(permissions, "appSubscription")
        _leaf(app, "applicationName", module)
        policies = etree.SubElement(app, "policies")
        for obj in ctx.store.catalog.values():
            if obj.module == module:
                policy = etree.SubElement(policies, "policy")
                _leaf(policy, "policyName", obj.plural or obj.name)
                _leaf(policy, "rights", _RIGHTS if obj.writable else "List|View")
    return Outcome(data=data)


def _formatting_user(ctx: Ctx) -> User:
    """``<key>`` (the user's RECORDNO) or ``<userId>`` (LOGINID); neither: the caller [U]."""
    key, userid = text_param(ctx, "key"), text_param(ctx, "userId")
    if key and userid:
        raise bad_parameter(ctx.fn.name, "Give key or userId, not both.")
    if userid:
        return _user_by_login(ctx, userid)
    if not key:
        return ctx.scope.user
    numeric = key.isascii() and key.isdigit() and len(key) < 19  # fits SQLite's INTEGER
    user = ctx.store.user_by_recordno(ctx.company.id, int(key)) if numeric else None
    if user is None:
        raise _no_such_user(f"User record {key}", "Provide a valid USERINFO.RECORDNO value.")
    return user


def read_user_formatting(ctx: Ctx) -> Outcome:
    """The user's preferences; the emulator keeps them per company (date format, time
    zone) and every user shares them. ``gmtoffset`` is the zone's offset now, the one the
    timestamps written now carry."""
    user = _formatting_user(ctx)
    data = etree.Element("data")
    box = etree.SubElement(data, "userformatting")
    _leaf(box, "recordno", user.recordno)
    _leaf(box, "locale", "en_US")
    _leaf(box, "dateformat", date_format_code(ctx.company.date_format))
    _leaf(box, "gmtoffset", gmt_offset(wall_clock(ctx.company.timezone, ctx.store.clock.now())))
    _leaf(box, "clock", "24")
    return Outcome(data=data)


def read_entity_details(ctx: Ctx) -> Outcome:
    data = etree.Element("data")
    for locationid, name, recordno in ctx.store.entities(ctx.company.id):
        if ctx.scope.entity and locationid != ctx.scope.entity:
            continue
        entity = etree.SubElement(data, "entity")
        _leaf(entity, "id", locationid)
        _leaf(entity, "name", name)
        _leaf(entity, "recordno", recordno)
        _leaf(entity, "currency", "GBP" if locationid.endswith("200") else "USD")
        _leaf(entity, "firstfiscalmonth", "January")
        _leaf(entity, "firstfiscaltaxmonth", "January")
        _leaf(entity, "weekstart", "Sunday")
    return Outcome(data=data)


HANDLERS: dict[str, Handler] = {
    "lookup": lookup,
    "inspect": inspect,
    "getDimensions": get_dimensions,
    "getUserPermissions": get_user_permissions,
    "readUserFormatting": read_user_formatting,
    "readEntityDetails": read_entity_details,
}
