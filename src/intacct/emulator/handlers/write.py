"""create, update, delete (generic 3.0 functions).

Up to 100 records per create/update, mixed objects allowed. Without a transaction a
create can partly succeed: it reports ``failure`` and still lists, in ``<data
listtype="objects">``, the records it did write (as the captures show).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from lxml import etree

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.dispatch import Ctx, Handler, Outcome, PartialFailureError
from intacct.emulator.errors import EmulatorError, ErrorLine, FunctionError, unknown_field
from intacct.emulator.handlers.common import bad_parameter, object_def, text_param
from intacct.emulator.values import from_wire

__all__ = ["HANDLERS", "record_values", "split_date", "write_lines"]

MAX_RECORDS = 100


def split_date(element: etree._Element) -> str:
    """A date given as year/month/day children (2.1's %DATE;), as MM/DD/YYYY."""
    try:
        day = date(
            int(element.findtext("year") or 0),
            int(element.findtext("month") or 0),
            int(element.findtext("day") or 0),
        )
    except ValueError:
        raise FunctionError(
            ErrorLine(
                "BL03000018",
                "",
                f"Illegal date in {element.tag!s}: year/month/day do not form a date.",
                "",
            )
        ) from None
    return day.strftime("%m/%d/%Y")


def _text(field: Any, element: etree._Element) -> str:
    """A field's text; a date may come split, as BankFeedsCreate writes FEEDDATE and
    POSTINGDATE inside a 3.0 create (the SDK's, so production takes it)."""
    if field.type == "date" and element.find("year") is not None:
        return split_date(element)
    return element.text or ""


def record_values(
    obj: ObjectDef, element: etree._Element, *, lower: bool = False
) -> tuple[dict[str, Any], dict[str, list[etree._Element]]]:
    """Field values (storage form) and owned line elements of one record element."""
    values: dict[str, Any] = {}
    lines: dict[str, list[etree._Element]] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag.upper() if lower else child.tag
        if tag in obj.owned:
            lines[tag] = [c for c in child if isinstance(c.tag, str)]
            continue
        field = obj.field(tag)
        if field is None:
            _nested_fields(obj, tag, child, values)
            continue
        if field.readonly and field.name != "RECORDNO":
            continue  # [U] the gateway ignores read-only fields on write
        values[field.name] = from_wire(obj.name, field, _text(field, child))
    return values, lines


def _nested_fields(
    obj: ObjectDef, prefix: str, element: etree._Element, values: dict[str, Any]
) -> None:
    """``<DISPLAYCONTACT><EMAIL1>…`` → field ``DISPLAYCONTACT.EMAIL1``; an empty container
    of a known relationship (``<LOC/>``, as WarehouseCreate sends it) sets nothing."""
    children = [c for c in element if isinstance(c.tag, str)]  # not comments
    if not children:
        if any(name.startswith(f"{prefix}.") for name in obj.fields_by_name):
            return
        raise unknown_field(obj.name, str(prefix))
    for child in children:
        name = f"{prefix}.{child.tag!s}"
        field = obj.field(name)
        if field is None:
            _nested_fields(obj, name, child, values)
        elif not field.readonly:
            values[field.name] = from_wire(obj.name, field, child.text or "")


def write_lines(
    ctx: Ctx,
    obj: ObjectDef,
    recordno: int,
    lines: dict[str, list[etree._Element]],
    *,
    replace: bool,
) -> None:
    """Create the owned lines of a document (an update replaces them all)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for container, elements in lines.items():
        line_obj = ctx.store.catalog[obj.owned[container]]
        rows[container] = [
            record_values(line_obj, element, lower=ctx.legacy)[0] for element in elements
        ]
    ctx.store.write_lines(obj, ctx.scope, recordno, rows, replace=replace)


def _created(obj: ObjectDef, values: dict[str, Any]) -> etree._Element:
    record = etree.Element(obj.name.lower())
    etree.SubElement(record, "RECORDNO").text = str(values.get("RECORDNO", ""))
    if obj.id_field:
        etree.SubElement(record, obj.id_field).text = str(values.get(obj.id_field) or "")
    return record


def _records(ctx: Ctx) -> list[etree._Element]:
    records = [r for r in ctx.fn.body if isinstance(r.tag, str)]
    if not records:
        raise bad_parameter(ctx.fn.name, "at least one record is required.")
    if len(records) > MAX_RECORDS:
        raise bad_parameter(ctx.fn.name, f"{len(records)} records: at most {MAX_RECORDS} per call.")
    return records


def _write_each(ctx: Ctx, write: Any) -> Outcome:
    data = etree.Element("data", listtype="objects")
    failures: list[ErrorLine] = []
    for element in _records(ctx):
        try:
            with ctx.store.transaction():  # a failed record leaves nothing behind
                obj = object_def(ctx, str(element.tag), write=True)
                data.append(_created(obj, write(obj, element)))
        except EmulatorError as exc:
            failures.extend(exc.lines)
    data.set("count", str(len(data)))
    if failures:
        raise PartialFailureError(data, *failures)
    return Outcome(data=data)


def _owner_key(ctx: Ctx, obj: ObjectDef, values: dict[str, Any]) -> None:
    """A line created on its own may name its document by id alone (ContractLineCreate
    writes CONTRACTDETAIL's CONTRACTID, never CONTRACTKEY, and production takes it):
    the owner's RECORDNO is looked up. [U] an id that names no document leaves the key
    out, so the create fails on the missing key."""
    if not obj.parent or not obj.parent_key or values.get(obj.parent_key) not in (None, ""):
        return
    owner = ctx.store.catalog[obj.parent]
    ident = owner.id_field
    if ident is None or values.get(ident) in (None, ""):
        return
    found = ctx.store.find(owner, ctx.scope, ident, [values[ident]])
    if found:
        values[obj.parent_key] = int(found[0]["RECORDNO"])


def create(ctx: Ctx) -> Outcome:
    def one(obj: ObjectDef, element: etree._Element) -> dict[str, Any]:
        values, lines = record_values(obj, element)
        values.pop("RECORDNO", None)
        _owner_key(ctx, obj, values)
        created = ctx.store.insert(obj, ctx.scope, values)
        write_lines(ctx, obj, int(created["RECORDNO"]), lines, replace=False)
        return created

    return _write_each(ctx, one)


def _recordno_for(ctx: Ctx, obj: ObjectDef, values: dict[str, Any]) -> int:
    if values.get("RECORDNO") is not None:
        return int(values.pop("RECORDNO"))
    if obj.id_field and values.get(obj.id_field):
        found = ctx.store.find(obj, ctx.scope, obj.id_field, [values[obj.id_field]])
        if found:
            return int(found[0]["RECORDNO"])
        raise FunctionError(
            ErrorLine(
                "BL01001973",
                "",
                f"Cannot update non-existing {obj.name} with "
                f"{obj.id_field}={values[obj.id_field]}.",
                "",
            )
        )
    raise FunctionError(
        ErrorLine(
            "BL01001973",
            "",
            f"{obj.name} update needs RECORDNO"
            + (f" or {obj.id_field}" if obj.id_field else "")
            + ".",
            "",
        )
    )


def update(ctx: Ctx) -> Outcome:
    def one(obj: ObjectDef, element: etree._Element) -> dict[str, Any]:
        values, lines = record_values(obj, element)
        recordno = _recordno_for(ctx, obj, values)
        updated = ctx.store.update(obj, ctx.scope, recordno, values)
        write_lines(ctx, obj, recordno, lines, replace=True)
        return updated

    return _write_each(ctx, one)


def delete(ctx: Ctx) -> Outcome:
    obj = object_def(ctx, text_param(ctx, "object", required=True), write=True)
    keys = [k.strip() for k in text_param(ctx, "keys", required=True).split(",") if k.strip()]
    if not keys or len(keys) > MAX_RECORDS:
        raise bad_parameter("delete", f"give 1 to {MAX_RECORDS} keys.")
    for key in keys:
        if not key.isdigit():
            raise FunctionError(
                ErrorLine(
                    "BL01001973",
                    "",
                    f"Cannot find {obj.name.lower()} with key '{key}' to delete.",
                    "",
                )
            )
        ctx.store.delete(obj, ctx.scope, int(key))
    return Outcome()


HANDLERS: dict[str, Handler] = {"create": create, "update": update, "delete": delete}
