"""Rows for every catalog object the hand-written generators leave empty.

The hand-written modules model what needs bookkeeping (balanced journals, documents paid
later); the catalog has about two hundred more objects, and each needs rows so that a
client's ``query`` of it returns data. They come from the object's definition: field
types, enum display values, ``ref`` fields resolved to records that exist in the company
(and that the record's entity can see), dotted related fields (``VENDOR.NAME``) copied
from the record their relationship points at, line objects under parents that exist.
The object's ``seed`` hints give the count: ``rows`` (default :data:`DEFAULT_ROWS`, split
over the entities of an entity-scoped object; ``0`` keeps an object empty), ``per_scale``
(transactional objects grow with the company's volume) and, for line objects, ``lines``
per parent; ``records`` the fields of the first rows, a company's own setup (its
transaction definitions: Sales Order...), set over what was drawn. Documents and their
lines are then made to agree (:mod:`.transactions`), without a draw of their own.

Which objects need rows is learnt from the stream itself (:class:`Seen` watches every
batch), never from a list. Runs after everything else, drawing from the company's own
random stream, so the rows the hand-written modules make are unchanged by it.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from intacct.emulator.catalog import AUDIT_FIELDS, Catalog, FieldDef, ObjectDef
from intacct.emulator.catalog.rest_storage import encoded
from intacct.emulator.seed.clock import SPAN, dt
from intacct.emulator.seed.common import Batch, Row, money, pick, words
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.model import Entity
from intacct.emulator.seed.names import USERS
from intacct.emulator.seed.servertime import SERVER_STAMPS, server_time
from intacct.emulator.seed.transactions import Documents
from intacct.protocol.rest_catalog import rest_catalog

__all__ = ["DEFAULT_LINES", "DEFAULT_ROWS", "Seen", "fill"]

DEFAULT_ROWS = 5
DEFAULT_LINES = (1, 3)
#: records kept per (object, entity) for references to point at: variety, bounded memory
KEEP = 200
_AUDIT = frozenset(f["name"] for f in AUDIT_FIELDS)
_STEM_SUFFIXES = ("KEY", "ID", "NO", "NAME")
_WORDS = words(
    "North,South,Central,Prime,Atlas,Harbor,Summit,Cedar,Maple,River,Granite,Beacon,Orchard,"
    "Meridian,Pioneer,Coastal,Union,Liberty,Sterling,Horizon"
)

#: a kept record: its id, RECORDNO and the fields dotted related fields copy from it
Kept = dict[str, Any]


@dataclass(frozen=True)
class _Link:
    """How one field of a generic row gets its value from a related record: the
    relationship (``group``, one record per row and group), the object it points at, and
    what the field holds of that record."""

    group: str
    target: str
    take: str  # a field name of the target, or "" for its id (or RECORDNO for *KEY)


@dataclass
class Seen:
    """What a company's stream has written so far: which objects have rows, the records
    a reference can point at, and every record a generic line can belong to."""

    catalog: Catalog
    counts: dict[str, int] = field(default_factory=dict)
    kept: dict[tuple[str, str], list[Kept]] = field(default_factory=dict)
    #: RECORDNOs of the generic phase's headers, all of them (their lines follow)
    parents: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    generic: bool = False
    #: the order entry, purchasing and inventory documents written (their lines follow)
    documents: Documents = field(default_factory=Documents)
    _needs: dict[str, frozenset[str]] = field(default_factory=dict)
    _links: dict[str, dict[str, _Link]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        needs: dict[str, set[str]] = {}
        for obj in self.catalog.stored():
            links = _links(obj, self.catalog)
            self._links[obj.name] = links
            for link in links.values():
                if link.take:
                    needs.setdefault(link.target, set()).add(link.take)
        self._needs = {name: frozenset(fields) for name, fields in needs.items()}

    def see(self, batch: Batch) -> None:
        _, entity, name, rows = batch
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        obj = self.catalog.get(name)
        if obj is None:
            return
        named = (obj.name_field,) if obj.name_field else ()
        keep = (obj.id_field or "RECORDNO", "RECORDNO", *named, *self._needs.get(name, ()))
        kept = self.kept.setdefault((name, entity), [])
        kept.extend({k: r.get(k) for k in keep} for r in rows[: KEEP - len(kept)])
        if self.generic and "RECORDNO" in obj.fields_by_name:
            self.parents.setdefault((name, entity), []).extend(int(r["RECORDNO"]) for r in rows)

    def links(self, obj: ObjectDef) -> dict[str, _Link]:
        return self._links[obj.name]

    def name_of(self, target: str, ident: Any) -> Any:
        """The name of the kept record of ``target`` whose id is ``ident`` (None: none)."""
        obj = self.catalog[target]
        for (name, _), kept in self.kept.items():
            if name == target:
                found = next((r for r in kept if r.get(obj.id_field or "RECORDNO") == ident), None)
                if found is not None:
                    return found.get(obj.name_field or "")
        return None


def _links(obj: ObjectDef, catalog: Catalog) -> dict[str, _Link]:
    """The fields of ``obj`` filled from a related record: ``ref`` fields (grouped by
    relationship, ``DOCPARID`` and ``DOCPARKEY`` name one record) and dotted fields whose
    first part names a relationship (``VENDOR.NAME`` next to ``VENDORID``, or a dotted
    field that itself has a ``ref``). Other dotted fields stay empty."""
    groups: dict[str, str] = {}  # relationship -> target
    for f in obj.fields:
        if f.ref and f.ref in catalog:
            groups.setdefault(_stem(f.name), f.ref)
    by_target: dict[str, list[str]] = {}
    for group, target in groups.items():
        by_target.setdefault(target, []).append(group)
    links: dict[str, _Link] = {}
    for f in obj.fields:
        if f.name == obj.id_field or f.name in _AUDIT:
            continue
        stem = _stem(f.name)
        if "." not in f.name:
            if f.ref and f.ref in catalog:
                # a second relationship to another object under the same stem is its own
                links[f.name] = _Link(stem if groups[stem] == f.ref else f.name, f.ref, "")
            continue
        take = f.name.split(".", 1)[1]
        if stem not in groups and len(by_target.get(stem, ())) == 1:
            stem = by_target[stem][0]  # VENDOR.NAME rides on the one VENDOR ref
        related = groups.get(stem)
        if related is not None and take in catalog[related].fields_by_name:
            links[f.name] = _Link(stem, related, take)
    return links


def _stem(name: str) -> str:
    """The relationship a field belongs to: a dotted field's first part, else its name
    without a KEY/ID/NO/NAME ending."""
    if "." in name:
        return name.split(".", 1)[0]
    for suffix in _STEM_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def fill(ctx: Context, seen: Seen, volume: int) -> Iterator[Batch]:
    """Generic rows for the objects ``seen`` has none of, parents and referenced objects
    first; yielded in batches like every other module's (never more than a flush)."""
    seen.generic = True
    for obj in _order([o for o in seen.catalog.stored() if _wanted(o, ctx, seen)]):
        rows = _lines(ctx, obj, seen) if obj.parent else _headers(ctx, obj, seen, volume)
        for _ in rows:
            for batch in ctx.sink.spill():
                seen.see(batch)
                yield batch
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


def rows_for(obj: ObjectDef, volume: int) -> int:
    """Header rows per company: ``seed.rows`` or ``seed.per_scale`` times the volume."""
    per_scale = float(obj.seed.get("per_scale", 0))
    return max(int(obj.seed.get("rows", DEFAULT_ROWS)), int(per_scale * volume))


def _headers(ctx: Context, obj: ObjectDef, seen: Seen, volume: int) -> Iterator[None]:
    owners: list[Entity | None] = list(ctx.entities) if obj.entity_scoped and ctx.multi else [None]
    records = obj.seed.get("records", ())  # the company's own setup, as the hint has it
    for n in range(rows_for(obj, volume)):
        owner = owners[n % len(owners)]
        row = _row(ctx, obj, seen, owner)
        row.update(records[n] if n < len(records) else {})
        seen.documents.header(seen.catalog, obj, row, seen.name_of)
        ctx.emit(owner, obj.name, row)
        yield None


def _lines(ctx: Context, obj: ObjectDef, seen: Seen) -> Iterator[None]:
    """``seed.lines`` lines under each parent record, in the parent's entity: every
    header the generic phase wrote, or the kept ones of a hand-written parent; at least
    one line in all, so the object has rows."""
    low, high = (int(v) for v in obj.seed.get("lines", DEFAULT_LINES))
    entities = {e.id: e for e in ctx.entities} if ctx.multi else {}
    written = 0
    for entity, keys in _parent_keys(seen, obj.parent or ""):
        owner = entities.get(entity)
        for key in keys:
            count = low + int(ctx.rnd() * (high - low + 1))
            rows = [_row(ctx, obj, seen, owner) for _ in range(count or (0 if written else 1))]
            for row in rows:
                if obj.parent_key:
                    row[obj.parent_key] = key
            seen.documents.lines(obj, key, rows)
            for row in rows:
                ctx.emit(owner, obj.name, row)
                written += 1
                yield None


def _parent_keys(seen: Seen, parent: str) -> list[tuple[str, list[int]]]:
    found = [(e, keys) for (name, e), keys in seen.parents.items() if name == parent]
    if found:
        return found
    return [
        (e, [int(k["RECORDNO"]) for k in kept if k.get("RECORDNO") is not None])
        for (name, e), kept in seen.kept.items()
        if name == parent
    ]


def _row(ctx: Context, obj: ObjectDef, seen: Seen, owner: Entity | None) -> Row:
    recordno = ctx.recordno(obj.name)
    links = seen.links(obj)
    chosen: dict[str, Kept | None] = {}
    row: Row = {}
    for f in obj.fields:
        if f.name in _AUDIT:
            continue
        link = links.get(f.name)
        if link is None:
            row[f.name] = None if "." in f.name else _value(ctx, obj, f, recordno)
            continue
        if link.group not in chosen:
            chosen[link.group] = _reference(ctx, seen, link.target, owner)
        row[f.name] = _related(seen.catalog, f, link, chosen[link.group])
    if "RECORDNO" in obj.fields_by_name:
        row["RECORDNO"] = recordno
    if "WHENCREATED" in obj.fields_by_name:
        created = int(ctx.rnd() * SPAN)
        by = 1 + int(ctx.rnd() * len(USERS))
        stamps = ctx.audit(created, ctx.modified_after(created, 0.2), by)
        for name, value in stamps.items():
            stamped = obj.fields_by_name.get(name)
            if stamped is not None:
                # an order-entry document's WHENCREATED is its date
                row[name] = value.date() if stamped.type == "date" else value
        for stamp, source in SERVER_STAMPS.items():
            if stamp in obj.fields_by_name:
                row[stamp] = server_time(stamps[source])
    return row


def _value(ctx: Context, obj: ObjectDef, f: FieldDef, n: int) -> object:
    if f.name == obj.id_field:
        return n if f.type == "integer" else _id(obj, f, n)
    if not f.required and ctx.rnd() < 0.25:
        return None  # real records leave many optional fields empty
    return _typed(ctx, obj, f, n)


def _related(catalog: Catalog, f: FieldDef, link: _Link, record: Kept | None) -> object:
    """What ``f`` holds of the related ``record``: a copied field, or its id; an integer
    field pointing at an object with a text id holds the RECORDNO (``*KEY``)."""
    if record is None:
        return None
    if link.take:
        return record.get(link.take)
    target = catalog[link.target]
    id_field = target.field(target.id_field) if target.id_field else None
    if f.type == "integer" and (id_field is None or id_field.type != "integer"):
        return record.get("RECORDNO")
    return record.get(target.id_field) if target.id_field else None


def _reference(ctx: Context, seen: Seen, target: str, owner: Entity | None) -> Kept | None:
    """A kept record of ``target`` the owner can see: its own entity's or the top
    level's; a top-level record may point at any entity's."""
    kept = seen.kept
    visible = [*kept.get((target, owner.id if owner else ""), []), *kept.get((target, ""), [])]
    if not visible and owner is None:
        visible = [r for (name, _), rows in kept.items() if name == target for r in rows]
    return pick(visible, ctx.rnd()) if visible else None


def _id(obj: ObjectDef, f: FieldDef, n: int) -> str:
    prefix = "".join(c for c in obj.name if c in string.ascii_uppercase)[:3]
    text = f"{prefix}-{n:04d}"
    return text if f.maxlength is None or len(text) <= f.maxlength else str(n)


def _typed(ctx: Context, obj: ObjectDef, f: FieldDef, n: int) -> object:
    draw = ctx.rnd()
    kind = f.type
    shown = rest_values().get((obj.name, f.name))
    if shown is not None and kind in ("enum", "text"):  # one draw, as any field's
        fitting = [v for v in f.values if v in shown] if f.values else sorted(shown)
        if fitting:
            return pick(fitting, draw)
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


@functools.cache
def rest_values() -> dict[tuple[str, str], frozenset[str]]:
    """(XML object, field) -> the values its REST twin's enum can show of it: a record
    seeded is one both APIs answer (a REST enum's value is one the spec lists). The
    XML side still takes what its own catalog allows [U: Intacct's answer through REST
    for an XML value the spec does not list]."""
    found: dict[tuple[str, str], frozenset[str]] = {}
    for obj in rest_catalog().values():
        if obj.xml_object is None:
            continue
        for f in obj.fields.values():
            if f.type != "enum" or not f.xml:
                continue
            listed = {v for v in f.enum if v is not None}
            values = frozenset(f.xml_values.get(v, v) for v in listed)
            key = (obj.xml_object, f.xml)
            found[key] = found[key] & values if key in found else values
    return found


def _percent(draw: float) -> Decimal:
    return Decimal(int(draw * 10_000)).scaleb(-2)


def _moment(draw: float) -> datetime:
    return dt(int(draw * SPAN))


def _text(obj: ObjectDef, f: FieldDef, n: int, draw: float) -> str:
    word = pick(_WORDS, draw)
    if f.encoding:
        return encoded(f.encoding, f"{word} {n}".encode())
    if "EMAIL" in f.name:
        text = f"{word.lower()}{n}@example.com"
    elif "PHONE" in f.name or f.name.endswith("FAX"):
        text = f"555-01{n % 100:02d}"
    elif "URL" in f.name:
        text = f"https://{word.lower()}.example.com"
    elif f.name == obj.name_field or f.name.endswith("NAME"):
        text = f"{word} {obj.label or obj.name.title()} {n}"
    else:
        text = f"{word} {n}"
    return text[: f.maxlength] if f.maxlength else text
