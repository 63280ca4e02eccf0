"""The run's state: where each stream of each entity stands, as JSON.

``{"version": 1, "streams": {"VENDOR": {"": {...}, "E100": {...}}}}``; a stream's entry
holds ``token`` (the keyset pager's resume token: WHENMODIFIED on the user's wall clock
as Intacct stamped it, and in UTC), ``complete`` (a full-table object finished its pass:
the next run starts over), ``nulls`` and ``nulls_done`` (the RECORDNO pass over records without
WHENMODIFIED: where it stands, and that it has read them all; new records always have a
WHENMODIFIED, so it is read once), ``deletes`` (the AUDITHISTORY bookmark), ``checked``
(the moment up to which the audit trail's question has accounted for it) and
``verified`` (when it was last read as if the question had named it: :mod:`..run.watch`),
both ISO-8601 UTC, and ``dds`` (a first read through Sage's Data Delivery Service:
``job`` the DDSJOB RECORDNO it waits for or loads, ``file`` and ``rows`` how far its
files are loaded, ``read`` the earliest ``ddsReadTime`` loaded, ``type`` ``change`` for
a later run's change job; ``last`` the object's last DDS job, ours, loaded whole, which
a change job takes the changes after; or ``failed``, why the last one failed, so the
object is paged instead: :mod:`..streams.dds`). The
engine hands a snapshot of the whole state to its sink after every page, so a consumer
that stores it with the page's records resumes exactly there.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from intacct.client.pagination import PageToken
from intacct.errors import IntacctError
from intacct.replication.streams.deletes import DeleteBookmark

__all__ = ["VERSION", "RunState", "StateError", "StreamState"]

VERSION = 1


class StateError(IntacctError):
    """A state that cannot be resumed from; names the stream and the key."""


@dataclass(slots=True)
class StreamState:
    token: str | None = None
    complete: bool = False
    nulls: str | None = None
    nulls_done: bool = False
    deletes: dict[str, str] | None = None
    ranges: list[dict[str, Any]] | None = None
    high_water: str | None = None
    month: str | None = None  # TRIALBALANCE: the first month the next run reads
    checked: str | None = None  # accounted for by the audit trail's question up to then
    verified: str | None = None  # last read whole or to its bookmark, named or not
    dds: dict[str, Any] | None = None  # a DDS first read's job and progress, or its failure
    #: the run state holding it and its object, told of each change (:meth:`RunState.snapshot`)
    owner: tuple[RunState, str] | None = field(default=None, compare=False, repr=False)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        self.touched()

    def touched(self) -> None:
        """Its holder told that it changed: what setting a field does, and what a change
        in place (a range's bounds) must do itself."""
        owner = getattr(self, "owner", None)  # unset while __init__ assigns the fields
        if owner is not None:
            owner[0].change(owner[1])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("token", "nulls", "high_water", "month", "checked", "verified"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.ranges is not None:
            out["ranges"] = [dict(r) for r in self.ranges]
        for flag in ("complete", "nulls_done"):
            if getattr(self, flag):
                out[flag] = True
        if self.deletes is not None:
            out["deletes"] = dict(self.deletes)
        if self.dds is not None:
            out["dds"] = dict(self.dds)
        return out

    @classmethod
    def from_dict(cls, where: str, data: object) -> StreamState:
        if not isinstance(data, Mapping):
            raise StateError(f"state of {where} must be an object, got {type(data).__name__}")
        unknown = set(data) - {*_KEYS}
        if unknown:
            raise StateError(f"state of {where}: unknown key {sorted(unknown)[0]!r}")
        for name in ("token", "nulls", "high_water"):
            if data.get(name) is not None:
                try:
                    PageToken.parse(data[name])
                except (ValueError, TypeError, IntacctError) as exc:
                    raise StateError(f"state of {where}, key {name!r}: {exc}") from None
        deletes = data.get("deletes")
        if deletes is not None:
            try:
                DeleteBookmark.from_dict(deletes)
            except ValueError as exc:
                raise StateError(f"state of {where}, key 'deletes': {exc}") from None
        for flag in ("complete", "nulls_done"):
            if not isinstance(data.get(flag, False), bool):
                raise StateError(f"state of {where}, key {flag!r}: must be true or false")
        ranges = _ranges(where, data.get("ranges"))
        for name in ("checked", "verified"):
            _instant(where, name, data.get(name))
        dds = _dds(where, data.get("dds"))
        month = data.get("month")
        if month is not None:
            try:
                date.fromisoformat(month)
            except (TypeError, ValueError):
                raise StateError(f"state of {where}, key 'month': not a date: {month!r}") from None
        return cls(
            month=month,
            ranges=ranges,
            high_water=data.get("high_water"),
            token=data.get("token"),
            complete=data.get("complete", False),
            nulls=data.get("nulls"),
            nulls_done=data.get("nulls_done", False),
            deletes=dict(deletes) if deletes is not None else None,
            checked=data.get("checked"),
            verified=data.get("verified"),
            dds=dds,
        )


_KEYS = (
    "token", "complete", "nulls", "nulls_done", "deletes", "ranges", "high_water", "month",
    "checked", "verified", "dds",
)  # fmt: skip


def _instant(where: str, name: str, value: object) -> None:
    """``checked`` and ``verified`` are ISO-8601 times with their UTC offset."""
    if value is None:
        return
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise StateError(f"state of {where}, key {name!r}: not an ISO-8601 UTC time: {value!r}")


#: the keys of ``dds.last``: the object's last DDS job, ours
_LAST_KEYS = frozenset({"job", "ddsjob", "read"})


def _dds(where: str, value: object) -> dict[str, Any] | None:
    """``{"job": RECORDNO, "file": n, "rows": n, "read": ISO UTC}`` (a load under way;
    ``"type": "change"`` for a later run's change job), ``{"failed": why}``, and
    ``"last": {"job": RECORDNO, "ddsjob": id, "read": ISO UTC}`` (the object's last DDS
    job, ours, loaded whole: what a change job takes changes after)."""
    if value is None:
        return None
    problem = f"state of {where}, key 'dds'"
    if not isinstance(value, Mapping) or not set(value) <= {
        "job",
        "file",
        "rows",
        "read",
        "failed",
        "type",
        "last",
    }:
        raise StateError(
            f"{problem}: expected {{job, file, rows, read, type, last}} or {{failed}}, "
            f"got {value!r}"
        )
    for name in ("job", "file", "rows"):
        _count(problem, name, value.get(name, 0))
    if not isinstance(value.get("failed", ""), str):
        raise StateError(f"{problem}: failed must be a text")
    if value.get("type", "change") != "change":
        raise StateError(f"{problem}: type is change or left out, got {value['type']!r}")
    _instant(where, "dds.read", value.get("read"))
    last = value.get("last")
    if last is not None:
        if not isinstance(last, Mapping) or "job" not in last or set(last) - _LAST_KEYS:
            raise StateError(f"{problem}: last is {{job, ddsjob, read}}, got {last!r}")
        _count(problem, "last.job", last["job"])
        if not isinstance(last.get("ddsjob", ""), str):
            raise StateError(f"{problem}: last.ddsjob must be a text")
        _instant(where, "dds.last.read", last.get("read"))
        return {**value, "last": dict(last)}
    return dict(value)


def _count(problem: str, name: str, number: object) -> None:
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise StateError(f"{problem}: {name} must be a whole number, got {number!r}")


def _seen(value: object) -> tuple[str, ...]:
    """``{"seen": [ID, ...]}``: the audit rows the last run acted on."""
    if value is None:
        return ()
    seen = value.get("seen") if isinstance(value, Mapping) else None
    if not isinstance(seen, list) or not all(isinstance(i, str) for i in seen):
        raise StateError(f"state key 'audit': expected {{'seen': [ID, ...]}}, got {value!r}")
    return tuple(seen)


def _ranges(where: str, value: object) -> list[dict[str, Any]] | None:
    """``[{"lo": 1, "hi": 500 or null, "after": RECORDNO or null, "done": bool}]``."""
    if value is None:
        return None
    problem = f"state of {where}, key 'ranges'"
    if not isinstance(value, list):
        raise StateError(f"{problem}: must be a list")
    for item in value:
        if not isinstance(item, Mapping) or set(item) != {"lo", "hi", "after", "done"}:
            raise StateError(f"{problem}: each range is {{lo, hi, after, done}}, got {item!r}")
        numbers = [item["lo"], *(v for v in (item["hi"], item["after"]) if v is not None)]
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
            raise StateError(f"{problem}: lo, hi and after are record numbers, got {item!r}")
        if not isinstance(item["done"], bool):
            raise StateError(f"{problem}: done must be true or false, got {item!r}")
    return [dict(item) for item in value]


class RunState:
    """Every stream's :class:`StreamState`, by object and entity id ("" = top level),
    and the company whose state it is (None until a run claims it)."""

    def __init__(
        self,
        streams: dict[str, dict[str, StreamState]] | None = None,
        company: str | None = None,
        seen: tuple[str, ...] = (),
    ) -> None:
        self._streams = streams or {}
        self.company = company
        self.seen = seen
        #: the objects whose streams changed (or came) since the last snapshot, from
        #: any thread (a change at the very moment of one is taken by the next)
        self._changed: set[str] = set(self._streams)
        self._changes = threading.Lock()
        #: each object's entry of the last snapshot, and the objects in order
        self._entries: dict[str, dict[str, dict[str, Any]]] = {}
        self._order: list[str] = []
        for obj, by_entity in self._streams.items():
            for stream in by_entity.values():
                stream.owner = (self, obj)

    @property
    def seen(self) -> tuple[str, ...]:
        """The audit rows (their IDs) the last run's question listed and the run acted
        on in full (:mod:`..run.watch`): listed again, they name nothing."""
        return self._seen

    @seen.setter
    def seen(self, ids: tuple[str, ...]) -> None:
        self._seen = ids
        # made once, not every snapshot (after every page): up to 20,000 IDs, and every
        # snapshot shares it, so a store comparing the run row finds it unchanged at once
        self._audit = {"seen": list(ids)} if ids else None

    def peek(self, object: str, entity: str) -> StreamState | None:
        """The stream's entry if it has one (unlike :meth:`get`, none is made)."""
        return self._streams.get(object, {}).get(entity)

    def get(self, object: str, entity: str) -> StreamState:
        by_entity = self._streams.setdefault(object, {})
        stream = by_entity.get(entity)
        if stream is None:
            stream = by_entity[entity] = StreamState()
            stream.owner = (self, object)
            self.change(object)
        return stream

    def change(self, obj: str) -> None:
        """``obj``'s streams changed: its entry of the next snapshot is built anew."""
        with self._changes:
            self._changed.add(obj)

    def claim(self, company: str) -> None:
        """This state is ``company``'s from now on; another company's is refused: its
        bookmarks would skip records of this company, and its rows and tombstones sit
        in the same store (company ids compare as Intacct does, case aside)."""
        if self.company is not None and self.company.upper() != company.upper():
            raise StateError(
                f"the state is company {self.company}'s, not {company}'s: a run of "
                f"{company} from it would skip records and mix both companies' rows; "
                f"give {company} a destination (or state file) of its own"
            )
        self.company = company

    def _top(self) -> dict[str, Any]:
        """The state's keys beside its streams."""
        top: dict[str, Any] = {"version": VERSION}
        if self.company is not None:
            top["company"] = self.company
        if self._audit is not None:
            top["audit"] = self._audit
        return top

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._top(),
            "streams": {
                obj: {entity: s.to_dict() for entity, s in sorted(by_entity.items())}
                for obj, by_entity in sorted(self._streams.items())
            },
        }

    def snapshot(self) -> dict[str, Any]:
        """:meth:`to_dict`, safe to keep while the run goes on and never to be changed:
        an object none of whose streams changed since the last snapshot has the very
        entry it had there (the engine snapshots after every page and a page moves one
        object: building every object's entry each time made a run of 641 objects
        quadratic, a fifth of its Python time; a store compares entries by identity
        first). Entries changed are built anew, and the top level each time."""
        with self._changes:
            changed, self._changed = self._changed, set()
        for obj in changed:
            by_entity = self._streams[obj]
            self._entries[obj] = {e: s.to_dict() for e, s in sorted(by_entity.items())}
        if len(self._order) != len(self._streams):
            self._order = sorted(self._streams)
        streams = {obj: self._entries[obj] for obj in self._order}
        return {**self._top(), "streams": streams}

    @classmethod
    def from_dict(cls, data: object) -> RunState:
        if data is None or data == {}:
            return cls()
        if not isinstance(data, Mapping):
            raise StateError(f"the state must be an object, got {type(data).__name__}")
        if data.get("version") != VERSION:
            raise StateError(
                f"state key 'version': expected {VERSION}, got {data.get('version')!r}"
            )
        streams = data.get("streams", {})
        if not isinstance(streams, Mapping):
            raise StateError("state key 'streams' must be an object")
        company = data.get("company")
        if company is not None and not isinstance(company, str):
            raise StateError(f"state key 'company' must be a company id, got {company!r}")
        parsed: dict[str, dict[str, StreamState]] = {}
        for obj, by_entity in streams.items():
            if not isinstance(by_entity, Mapping):
                raise StateError(f"state of {obj} must map entity ids to stream states")
            parsed[obj] = {
                entity: StreamState.from_dict(f"{obj}/{entity or 'top level'}", value)
                for entity, value in by_entity.items()
            }
        return cls(parsed, company, _seen(data.get("audit")))
