"""Rows for every catalog object the hand-written generators leave empty.

The hand-written modules model what needs bookkeeping (balanced journals, documents paid
later); the catalog has about two hundred more objects, and each needs rows so that a
client's ``query`` of it returns data. They come from the object's definition: field
types, enum display values, ``ref`` fields resolved to ids that exist in the company (and
that the record's entity can see), line objects under parents that exist. The object's
``seed`` hints give the count: ``rows`` (default :data:`DEFAULT_ROWS`, split over the
entities of an entity-scoped object), ``per_scale`` (transactional objects grow with the
company's volume) and, for line objects, ``lines`` per parent.

Runs after everything else, drawing from the company's own random stream, so the rows
the hand-written modules make are unchanged by it.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from intacct.emulator.catalog import AUDIT_FIELDS, Catalog, FieldDef, ObjectDef
from intacct.emulator.seed.clock import SPAN, dt
from intacct.emulator.seed.common import Batch, Row, money, pick, words
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.model import Entity
from intacct.emulator.seed.names import USERS

__all__ = ["DEFAULT_ROWS", "Seen", "fill"]

DEFAULT_ROWS = 5
#: ids and parent keys kept per (object, entity): enough variety, bounded memory
KEEP = 200
_AUDIT = frozenset(f["name"] for f in AUDIT_FIELDS)
_WORDS = words(
    "North,South,Central,Prime,Atlas,Harbor,Summit,Cedar,Maple,River,Granite,Beacon,Orchard,"
    "Meridian,Pioneer,Coastal,Union,Liberty,Sterling,Horizon"
)


@dataclass
class Seen:
    """What a company's stream has written so far: which objects have rows, the ids a
    reference can point at, and the records a line can belong to."""

    catalog: Catalog
    counts: dict[str, int] = field(default_factory=dict)
    ids: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    parents: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def see(self, batch: Batch) -> None:
        _, entity, name, rows = batch
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        obj = self.catalog.get(name)
        if obj is None:
            return
        if obj.id_field:
            kept = self.ids.setdefault((name, entity), [])
            kept.extend(r[obj.id_field] for r in rows[: KEEP - len(kept)] if r.get(obj.id_field))
        if "RECORDNO" in obj.fields_by_name:
            keys = self.parents.setdefault((name, entity), [])
            keys.extend(int(r["RECORDNO"]) for r in rows[: KEEP - len(keys)])


def fill(ctx: Context, seen: Seen, volume: int) -> Iterator[Batch]:
    """Generic rows for the objects ``seen`` has none of, parents and referenced objects
    first; the rows are yielded in batches like every other module's."""
    for obj in _order([o for o in seen.catalog.values() if _wanted(o, ctx, seen)]):
        if obj.parent:
            _lines(ctx, obj, seen)
        else:
            _headers(ctx, obj, seen, _count(obj, volume))
        for batch in ctx.sink.flush():
            seen.see(batch)
            yield batch


def _wanted(obj: ObjectDef, ctx: Context, seen: Seen) -> bool:
    if seen.counts.get(obj.name) or obj.seed.get("rows") == 0:
        return False
    # entities exist only in a multi-entity company
    return ctx.multi or obj.name != "LOCATIONENTITY"


def _order(objects: list[ObjectDef]) -> list[ObjectDef]:
    """Parents and referenced objects before the objects that point at them; a cycle is
    broken where it closes (the field is then left empty where nothing exists yet)."""
    names = {o.name: o for o in objects}
    done: dict[str, ObjectDef] = {}

    def visit(obj: ObjectDef, path: frozenset[str]) -> None:
        if obj.name in done or obj.name in path:
            return
        needs = {f.ref for f in obj.fields if f.ref} | ({obj.parent} if obj.parent else set())
        for name in sorted(n for n in needs if n in names):
            visit(names[name], path | {obj.name})
        done[obj.name] = obj

    for obj in objects:
        visit(obj, frozenset())
    return list(done.values())


def _count(obj: ObjectDef, volume: int) -> int:
    per_scale = float(obj.seed.get("per_scale", 0))
    return max(int(obj.seed.get("rows", DEFAULT_ROWS)), int(per_scale * volume))


def _headers(ctx: Context, obj: ObjectDef, seen: Seen, count: int) -> None:
    owners: list[Entity | None] = list(ctx.entities) if obj.entity_scoped and ctx.multi else [None]
    for n in range(count):
        owner = owners[n % len(owners)]
        ctx.emit(owner, obj.name, _row(ctx, obj, seen, owner))


def _lines(ctx: Context, obj: ObjectDef, seen: Seen) -> None:
    """``seed.lines`` lines under each kept parent record, in the parent's entity; at
    least one line in all, so the object has rows."""
    low, high = (int(v) for v in obj.seed.get("lines", (1, 3)))
    entities = {e.id: e for e in ctx.entities} if ctx.multi else {}
    written = 0
    for (parent, entity), keys in list(seen.parents.items()):
        if parent != obj.parent:
            continue
        owner = entities.get(entity)
        for key in keys:
            count = low + int(ctx.rnd() * (high - low + 1))
            for _ in range(count or (0 if written else 1)):
                row = _row(ctx, obj, seen, owner)
                if obj.parent_key:
                    row[obj.parent_key] = key
                ctx.emit(owner, obj.name, row)
                written += 1


def _row(ctx: Context, obj: ObjectDef, seen: Seen, owner: Entity | None) -> Row:
    recordno = ctx.recordno(obj.name)
    row: Row = {}
    for f in obj.fields:
        if f.name in _AUDIT:
            continue
        row[f.name] = _value(ctx, obj, f, recordno, seen, owner)
    if "RECORDNO" in obj.fields_by_name:
        row["RECORDNO"] = recordno
    if "WHENCREATED" in obj.fields_by_name:
        created = int(ctx.rnd() * SPAN)
        by = 1 + int(ctx.rnd() * len(USERS))
        row |= ctx.audit(created, ctx.modified_after(created, 0.2), by)
    return row


def _value(
    ctx: Context, obj: ObjectDef, f: FieldDef, n: int, seen: Seen, owner: Entity | None
) -> object:
    if f.name == obj.id_field:
        return n if f.type == "integer" else _id(obj, f, n)
    if f.ref:
        # an integer field pointing at an object with a text id holds its RECORDNO (*KEY)
        keys = f.type == "integer" and not _integer_id(seen.catalog, f.ref)
        return _reference(ctx, f.ref, seen.parents if keys else seen.ids, owner)
    if not f.required and ctx.rnd() < 0.25:
        return None  # real records leave many optional fields empty
    return _typed(ctx, obj, f, n)


def _id(obj: ObjectDef, f: FieldDef, n: int) -> str:
    prefix = "".join(c for c in obj.name if c in string.ascii_uppercase)[:3]
    text = f"{prefix}-{n:04d}"
    return text if f.maxlength is None or len(text) <= f.maxlength else str(n)


def _integer_id(catalog: Catalog, target: str) -> bool:
    found = catalog.get(target)
    id_field = found.field(found.id_field) if found and found.id_field else None
    return id_field is not None and id_field.type == "integer"


def _reference(
    ctx: Context, target: str, kept: Mapping[tuple[str, str], list[Any]], owner: Entity | None
) -> object:
    """A kept id (or key) of ``target`` the owner can see: its own entity's or the top
    level's; the top level sees every entity's."""
    visible = [*kept.get((target, owner.id if owner else ""), []), *kept.get((target, ""), [])]
    if not visible and owner is None:
        visible = [i for (name, _), ids in kept.items() if name == target for i in ids]
    return pick(visible, ctx.rnd()) if visible else None


def _typed(ctx: Context, obj: ObjectDef, f: FieldDef, n: int) -> object:
    draw = ctx.rnd()
    kind = f.type
    if kind == "enum":
        return pick(f.values, draw) if f.values else None
    if kind == "boolean":
        return draw < 0.5
    if kind == "integer":
        return 1 + int(draw * 100)
    if kind == "decimal":
        return money(100 + int(draw * 1_000_000)) if f.datatype != "PERCENT" else _percent(draw)
    if kind == "date":
        return _moment(draw).date()
    if kind == "timestamp":
        return _moment(draw)
    return _text(obj, f, n, draw)


def _percent(draw: float) -> Decimal:
    return Decimal(int(draw * 10_000)).scaleb(-2)


def _moment(draw: float) -> datetime:
    return dt(int(draw * SPAN))


def _text(obj: ObjectDef, f: FieldDef, n: int, draw: float) -> str:
    if f.name == obj.name_field or f.name.endswith("NAME"):
        text = f"{pick(_WORDS, draw)} {obj.label or obj.name.title()} {n}"
    else:
        text = f"{pick(_WORDS, draw)} {n}"
    return text[: f.maxlength] if f.maxlength else text
