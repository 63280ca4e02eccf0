"""References from a unified record to other records (an account, a vendor, a class...).

A unified record may name what it refers to by Intacct record number (``accountId``),
by business id (``accountNumber``) or by name (``accountName``); Intacct wants the
business id (``ACCOUNTNO``) or, for documents, the record number. The caller (the
target) answers the lookups through :class:`References`, typically from caches it fills
with one query per kind; :class:`CachedReferences` is such a cache built from records.

A reference that is not found is a :class:`ReferenceNotFoundError` naming the field, the
value and the nearest known ids and names (difflib), found before anything is sent.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from intacct.mappings.codecs import UnifiedRecordError

__all__ = [
    "REFERENCE_KINDS",
    "By",
    "CachedReferences",
    "ReferenceKind",
    "ReferenceNotFoundError",
    "Referenced",
    "References",
]

#: how a reference is looked up: by RECORDNO, by business id, or by name
By = Literal["recordno", "id", "name"]


@dataclass(frozen=True, slots=True)
class ReferenceKind:
    """Where a kind of reference lives: its objects, business id field and name field."""

    objects: tuple[str, ...]
    id_field: str
    name_field: str
    label: str


#: every kind a unified stream refers to; the target fills its caches from these objects
REFERENCE_KINDS: dict[str, ReferenceKind] = {
    "accounts": ReferenceKind(("GLACCOUNT",), "ACCOUNTNO", "TITLE", "account"),
    "vendors": ReferenceKind(("VENDOR",), "VENDORID", "NAME", "vendor"),
    "customers": ReferenceKind(("CUSTOMER",), "CUSTOMERID", "NAME", "customer"),
    "departments": ReferenceKind(("DEPARTMENT",), "DEPARTMENTID", "TITLE", "department"),
    "locations": ReferenceKind(("LOCATION",), "LOCATIONID", "NAME", "location"),
    "classes": ReferenceKind(("CLASS",), "CLASSID", "NAME", "class"),
    "projects": ReferenceKind(("PROJECT",), "PROJECTID", "NAME", "project"),
    "items": ReferenceKind(("ITEM",), "ITEMID", "NAME", "item"),
    "bankaccounts": ReferenceKind(
        ("CHECKINGACCOUNT", "SAVINGSACCOUNT"), "BANKACCOUNTID", "BANKNAME", "bank account"
    ),
    "bills": ReferenceKind(("APBILL",), "RECORDID", "RECORDID", "bill"),
    "invoices": ReferenceKind(("ARINVOICE",), "RECORDID", "RECORDID", "invoice"),
}


@dataclass(frozen=True, slots=True)
class Referenced:
    """A record found: its RECORDNO (None if unknown), business id and name."""

    recordno: int | None
    id: str
    name: str


class References(Protocol):
    """The lookups :func:`~intacct.mappings.from_unified` needs, answered by the caller.

    ``find`` returns None when nothing matches; ``known`` lists the ids and names of a
    kind, asked only when a lookup failed, to suggest near matches.
    """

    def find(self, kind: str, by: By, value: str) -> Referenced | None: ...

    def known(self, kind: str) -> Collection[str]: ...


class ReferenceNotFoundError(UnifiedRecordError):
    """A reference names no record; ``near`` holds the closest known ids and names."""

    def __init__(self, field: str, kind: str, value: str, near: list[str]) -> None:
        label = REFERENCE_KINDS[kind].label if kind in REFERENCE_KINDS else kind
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        super().__init__(field, f"no {label} {value!r} in Intacct{hint}")
        self.kind = kind
        self.value = value
        self.near = near


def near_matches(value: str, known: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(value, list(dict.fromkeys(known)), n=3, cutoff=0.6)


class CachedReferences:
    """:class:`References` over records already read, per kind: Intacct records with
    RECORDNO and the kind's id and name fields (``{"accounts": [GLACCOUNT records]}``).

    Names match exactly, else without regard to case when that is unambiguous.
    """

    def __init__(self, records: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        self._by: dict[tuple[str, By], dict[str, Referenced]] = {}
        self._folded: dict[str, dict[str, list[Referenced]]] = {}
        for kind, rows in records.items():
            spec = REFERENCE_KINDS[kind]
            for row in rows:
                self.add(kind, _referenced(row, spec))

    def add(self, kind: str, found: Referenced) -> None:
        if found.recordno is not None:
            self._by.setdefault((kind, "recordno"), {})[str(found.recordno)] = found
        self._by.setdefault((kind, "id"), {})[found.id] = found
        self._by.setdefault((kind, "name"), {}).setdefault(found.name, found)
        self._folded.setdefault(kind, {}).setdefault(found.name.casefold(), []).append(found)

    def find(self, kind: str, by: By, value: str) -> Referenced | None:
        found = self._by.get((kind, by), {}).get(value)
        if found is None and by == "name":
            folded = self._folded.get(kind, {}).get(value.casefold(), [])
            found = folded[0] if len(folded) == 1 else None
        return found

    def known(self, kind: str) -> Collection[str]:
        return [*self._by.get((kind, "id"), {}), *self._by.get((kind, "name"), {})]


def _referenced(row: Mapping[str, Any], spec: ReferenceKind) -> Referenced:
    recordno = row.get("RECORDNO")
    return Referenced(
        int(recordno) if recordno not in (None, "") else None,
        str(row.get(spec.id_field) or ""),
        str(row.get(spec.name_field) or ""),
    )
