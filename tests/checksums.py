"""A copy of an emulator company against the emulator: row counts and checksums of every
field of every table, the one comparison the documented-paths matrix (``tests/paths``),
the Dagster example's test and ``benchmarks/fleet.py`` make of what a sync, the tap or a
fleet wrote.

The emulator's side is ``GET /_emulator/checksum`` (:mod:`intacct.emulator.checksum`):
per object, the count and SHA-256 of its rows' canonical values, for the fields asked.
The copy's side is :func:`intacct.emulator.checksum.rows_checksum` of the same fields of
its live rows (a tombstone, ``_sdc_deleted_at`` set, is a record Intacct no longer has),
timestamps turned back into the company's wall clock, which the emulator keeps (a copy
stores UTC): by the Web Services user's zone when the copy was made with ``timezone``
set (DST-aware), else by the ``gmtoffset`` in force now, as a copy made without it
decoded them (docs/sync.md, "Time zones").

The control API sums a company's whole table. A multi-entity company's entity session
sees the entity's own records and the shared ones, its top level the shared ones only
(the emulator's ``Records.visibility``): the rows of such a scope are summed here from
the emulator's store, in the same canonical form, when the caller has the store (an
in-thread :class:`~intacct.emulator.server.EmulatorServer`'s).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx

from intacct.emulator.catalog import ObjectDef, load_catalog
from intacct.emulator.checksum import rows_checksum

if TYPE_CHECKING:
    from intacct.emulator.server import EmulatorServer
    from intacct.emulator.store import Store

__all__ = [
    "COPY_COLUMNS",
    "EmulatorData",
    "Expected",
    "table_problems",
    "wall_clock",
]

#: columns a copy adds to an object's fields (the sync's; dlt's are left out on reading)
COPY_COLUMNS = frozenset({"_entity_id", "_sdc_deleted_at"})
DELETED_AT = "_sdc_deleted_at"

#: what the emulator holds for some fields of an object: ``(count, sha256)``
Expected = Callable[[Sequence[str]], tuple[int, str]]


def wall_clock(
    kinds: Sequence[str], rows: Iterable[Sequence[Any]], zone: tzinfo
) -> Iterator[list[Any]]:
    """The rows with their timestamps (naive UTC, as a copy stores them) on the company's
    wall clock in ``zone``, as the emulator keeps them."""
    at = [i for i, kind in enumerate(kinds) if kind == "timestamp"]
    for row in rows:
        values = list(row)
        for i in at:
            if isinstance(values[i], datetime):
                values[i] = values[i].replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
        yield values


def table_problems(
    label: str,
    obj: ObjectDef,
    columns: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    expected: Expected,
    zone: tzinfo,
    left_out: Collection[str] = (),
    elsewhere: Collection[str] = (),
) -> list[str]:
    """What differs between a copy's table of ``obj`` (its ``columns`` by Intacct's field
    names, none if there is no table; ``records``: every row) and the emulator's rows
    (``expected``), each a line led by ``label``: a column that is no field of the
    object, a field of the object without a column (a sync reads every field ``lookup``
    lists but dotted ones), a ``left_out`` field (one the gateway refused to query, as
    the run said) holding a value, and the count and checksum of the live rows' fields,
    naming the fields that differ when the counts agree. ``elsewhere``: columns the
    caller checks another way (left out of the checksum)."""
    problems = []
    unknown = [c for c in columns if obj.field(c) is None and c not in COPY_COLUMNS]
    if unknown:
        problems.append(f"{label}: columns that are no field of {obj.name}: {unknown}")
    if columns:
        absent = [f for f in obj.field_names if "." not in f and f not in columns]
        if absent:
            problems.append(f"{label}: no column for the fields {absent}")
    filled = [f for f in left_out if any(r.get(f) is not None for r in records)]
    if filled:
        problems.append(f"{label}: fields the run left out hold values: {filled}")
    skipped = set(left_out) | set(elsewhere)
    fields = [c for c in columns if obj.field(c) is not None and c not in skipped]
    if not fields:  # no table (nothing read): the emulator must have no rows either
        fields = ["RECORDNO"] if obj.field("RECORDNO") is not None else list(obj.field_names[:1])
    live = [r for r in records if r.get(DELETED_AT) is None]
    mine = _checksum(obj, fields, live, zone)
    theirs = expected(fields)
    if mine != theirs:
        problems.append(
            f"{label}: {mine[0]} rows, emulator {theirs[0]}; checksum {mine[1][:12]} "
            f"against {theirs[1][:12]}{_differing(obj, fields, live, zone, expected, mine, theirs)}"
        )
    return problems


def _checksum(
    obj: ObjectDef, fields: Sequence[str], records: Sequence[Mapping[str, Any]], zone: tzinfo
) -> tuple[int, str]:
    kinds = [_kind(obj, f) for f in fields]
    rows = ([r.get(f) for f in fields] for r in records)
    return rows_checksum(kinds, wall_clock(kinds, rows, zone))


def _differing(
    obj: ObjectDef,
    fields: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    zone: tzinfo,
    expected: Expected,
    mine: tuple[int, str],
    theirs: tuple[int, str],
) -> str:
    """The fields whose values differ (when the counts agree)."""
    if mine[0] != theirs[0]:
        return ""
    differ = [f for f in fields if _checksum(obj, [f], records, zone) != expected([f])]
    return f"; fields that differ: {differ}" if differ else ""


def _kind(obj: ObjectDef, name: str) -> str:
    found = obj.field(name)
    if found is None:
        raise ValueError(f"no field {name!r} on {obj.name}")
    return found.type


@dataclass
class EmulatorData:
    """The emulator's side of a comparison: its control API at ``base``
    (``http://host:port``) and, for the scopes of a multi-entity company, its ``store``."""

    base: str
    store: Store | None = None
    _companies: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: one keep-alive client: a new connection per request costs ~40 ms, a table
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=300), repr=False)

    @classmethod
    def of(cls, server: EmulatorServer) -> EmulatorData:
        return cls(server.url.split("/ia/")[0], server.store)

    def get(self, path: str, **params: Any) -> Any:
        answer = self._http.get(f"{self.base}/_emulator/{path}", params=params)
        answer.raise_for_status()
        return answer.json()

    def close(self) -> None:
        self._http.close()

    def company(self, company: str) -> dict[str, Any]:
        """``GET /_emulator/companies``' entry of ``company`` (timezone, multi_entity...)."""
        if company not in self._companies:
            for entry in self.get("companies")["companies"]:
                self._companies[entry["id"]] = entry
        return self._companies[company]

    def zone(self, company: str, dst_aware: bool = False) -> tzinfo:
        """How a copy's UTC timestamps go back to the company's wall clock: its zone if
        the copy was made with ``timezone`` set, else the offset in force now (what a
        copy made without it decoded them with)."""
        zone = ZoneInfo(self.company(company)["timezone"])
        if dst_aware:
            return zone
        offset = datetime.now(zone).utcoffset()
        assert offset is not None
        return timezone(offset)

    def checksum(
        self, company: str, obj: ObjectDef, fields: Sequence[str], entity: str | None = None
    ) -> tuple[int, str]:
        """``(count, sha256)`` of ``fields`` of the rows ``entity``'s session sees
        (``""``: the top level; None: the whole company, every entity's rows)."""
        scoped = entity is not None and obj.entity_scoped and self.company(company)["multi_entity"]
        if not scoped:
            said = self.get("checksum", company=company, object=obj.name, fields=",".join(fields))
            found = said["objects"][obj.name]
            return int(found["count"]), str(found["sha256"])
        if self.store is None:
            raise ValueError(f"{company} {obj.name}: an entity's rows need the emulator's store")
        with self._lock:
            rows = self.store.records.stored(obj, company, ["_entity", *fields])
        seen = [row[1:] for row in rows if row[0] in ("", entity)]
        return rows_checksum([_kind(obj, f) for f in fields], seen)

    def expected(self, company: str, obj: ObjectDef, entity: str | None = None) -> Expected:
        return lambda fields: self.checksum(company, obj, fields, entity)

    def live_count(self, company: str, name: str, entity: str | None = None) -> int:
        return self.checksum(company, load_catalog()[name], ["RECORDNO"], entity)[0]
