"""The pieces a unified stream is declared with: fields that map one or more unified
properties to Intacct fields, both ways.

Every field reads from a *flat* Intacct record (dotted names for nested fields, as the
engine emits them: ``DISPLAYCONTACT.EMAIL1``) and writes into a flat dict the caller
nests afterwards. Each knows its JSON Schema properties and which unified properties a
write carries (the ones that come back unchanged when the record is read again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intacct.mappings.codecs import DATETIME, KEY, Codec, UnifiedRecordError
from intacct.mappings.references import By, ReferenceNotFoundError, References, near_matches

__all__ = ["Address", "Field", "Phones", "Ref", "RefPart", "Value", "audit_fields"]


class Field:
    """Base: one or more unified properties <-> one or more Intacct fields."""

    def read(self, record: Mapping[str, Any], out: dict[str, Any]) -> None:
        raise NotImplementedError

    def write(
        self,
        unified: Mapping[str, Any],
        out: dict[str, Any],
        refs: References,
        path: str,
        partial: bool = False,
    ) -> None:
        raise NotImplementedError

    def properties(self) -> dict[str, Any]:
        raise NotImplementedError

    def names(self) -> tuple[str, ...]:
        """Every unified property this field reads or writes."""
        return tuple(self.properties())

    def written(self) -> tuple[str, ...]:
        """The unified properties a write carries (they read back unchanged)."""
        raise NotImplementedError

    def accepted(self) -> tuple[str, ...]:
        """The unified properties a write looks at (a reference: each way to give it)."""
        return self.written()


def _present(value: Any) -> bool:
    return value is not None and value != ""


@dataclass(frozen=True, slots=True)
class Value(Field):
    """One property <-> one Intacct field through a codec. ``writable=False``: read only
    (computed by Intacct: totals, names of referenced records, audit times)."""

    unified: str
    intacct: str
    codec: Codec
    writable: bool = True
    required: bool = False
    description: str = ""

    def read(self, record: Mapping[str, Any], out: dict[str, Any]) -> None:
        value = record.get(self.intacct)
        out[self.unified] = self.codec.read(value) if _present(value) else None

    def write(
        self,
        unified: Mapping[str, Any],
        out: dict[str, Any],
        refs: References,
        path: str,
        partial: bool = False,
    ) -> None:
        if not self.writable:
            return
        value = unified.get(self.unified)
        if value is None:
            if self.required and not partial:
                raise UnifiedRecordError(f"{path}.{self.unified}", "is required")
            return
        out[self.intacct] = self.codec.write(value, f"{path}.{self.unified}")

    def properties(self) -> dict[str, Any]:
        schema = dict(self.codec.schema)
        if not self.writable:
            schema["readOnly"] = True
        text = self.description or f"Intacct {self.intacct}"
        return {self.unified: {**schema, "description": text}}

    def written(self) -> tuple[str, ...]:
        return (self.unified,) if self.writable else ()


@dataclass(frozen=True, slots=True)
class RefPart:
    """One way a reference can be given: ``unified`` property, looked up ``by``, read
    from Intacct field ``read_from`` (None: never on the record, write only)."""

    unified: str
    by: By
    read_from: str | None


_ORDER: tuple[By, ...] = ("recordno", "id", "name")


@dataclass(frozen=True, slots=True)
class Ref(Field):
    """A reference to a record of ``kind`` written into Intacct field ``target`` as the
    found record's business id (``target_by="id"``) or RECORDNO (``"recordno"``).

    On write the first part given wins, in the order record number, id, name; on read
    every part with a ``read_from`` field is filled.
    """

    kind: str
    target: str
    parts: tuple[RefPart, ...]
    target_by: By = "id"
    required: bool = False

    def read(self, record: Mapping[str, Any], out: dict[str, Any]) -> None:
        for part in self.parts:
            value = record.get(part.read_from) if part.read_from else None
            out[part.unified] = str(value) if _present(value) else None

    def write(
        self,
        unified: Mapping[str, Any],
        out: dict[str, Any],
        refs: References,
        path: str,
        partial: bool = False,
    ) -> None:
        for by in _ORDER:
            for part in self.parts:
                value = unified.get(part.unified)
                if part.by != by or value is None or value == "":
                    continue
                out[self.target] = self._resolve(refs, part, value, path)
                return
        if self.required and not partial:
            given = ", ".join(p.unified for p in self.parts)
            raise UnifiedRecordError(path, f"needs one of {given}")

    def _resolve(self, refs: References, part: RefPart, value: Any, path: str) -> Any:
        field = f"{path}.{part.unified}"
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise UnifiedRecordError(field, f"expected a string, got {type(value).__name__}")
        found = refs.find(self.kind, part.by, str(value))
        if found is None:
            near = near_matches(str(value), refs.known(self.kind))
            raise ReferenceNotFoundError(field, self.kind, str(value), near)
        if self.target_by == "recordno":
            if found.recordno is None:
                raise UnifiedRecordError(field, f"{value!r}: its record number is not known")
            return found.recordno
        return found.id

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for part in self.parts:
            what = {"recordno": "record number", "id": "id", "name": "name"}[part.by]
            props[part.unified] = {
                "type": ["string", "null"],
                "description": f"the {self.kind} record's {what} (Intacct {self.target})",
            }
        return props

    def written(self) -> tuple[str, ...]:
        return tuple(p.unified for p in self.parts if p.read_from == self.target)

    def accepted(self) -> tuple[str, ...]:
        return tuple(p.unified for p in self.parts)


#: hotglue's phone types and the contact fields that hold them
PHONE_FIELDS = {"primary": "PHONE1", "secondary": "PHONE2", "mobile": "CELLPHONE", "fax": "FAX"}
ADDRESS_FIELDS = {
    "line1": "ADDRESS1",
    "line2": "ADDRESS2",
    "line3": "ADDRESS3",
    "city": "CITY",
    "state": "STATE",
    "postalCode": "ZIP",
    "country": "COUNTRY",
}


class _ObjectList(Field):
    """A property holding a list of objects (``[{...}]``): a write takes the objects
    :meth:`_given`; its schema is an array of objects with ``_item_properties``."""

    unified: str

    def _given(
        self, unified: Mapping[str, Any], path: str
    ) -> tuple[Sequence[Mapping[str, Any]], str]:
        """The objects a write gives (none when it leaves the property out), and the path
        of the property; anything but a list of objects is refused."""
        where = f"{path}.{self.unified}"
        value = unified.get(self.unified)
        if value is None:
            return (), where
        if not isinstance(value, list | tuple) or not all(isinstance(i, Mapping) for i in value):
            raise UnifiedRecordError(where, "expected a list of objects")
        return value, where

    def _item_properties(self) -> dict[str, Any]:
        raise NotImplementedError

    def properties(self) -> dict[str, Any]:
        item = {"type": "object", "properties": self._item_properties()}
        return {self.unified: {"type": ["array", "null"], "items": item}}

    def written(self) -> tuple[str, ...]:
        return (self.unified,)


@dataclass(frozen=True, slots=True)
class Phones(_ObjectList):
    """``phoneNumbers: [{type, phoneNumber}]`` <-> a contact's phone fields."""

    contact: str
    unified: str = "phoneNumbers"

    def read(self, record: Mapping[str, Any], out: dict[str, Any]) -> None:
        phones = [
            {"type": kind, "phoneNumber": str(record[f"{self.contact}.{name}"])}
            for kind, name in PHONE_FIELDS.items()
            if _present(record.get(f"{self.contact}.{name}"))
        ]
        out[self.unified] = phones or None

    def write(
        self,
        unified: Mapping[str, Any],
        out: dict[str, Any],
        refs: References,
        path: str,
        partial: bool = False,
    ) -> None:
        items, where = self._given(unified, path)
        seen: set[str] = set()
        for index, phone in enumerate(items):
            kind = phone.get("type") or "primary"
            if kind not in PHONE_FIELDS or kind in seen:
                problem = "is given twice" if kind in seen else "is not a known phone type"
                raise UnifiedRecordError(
                    f"{where}[{index}].type",
                    f"{kind!r} {problem} (one each of {', '.join(PHONE_FIELDS)})",
                )
            seen.add(kind)
            number = phone.get("phoneNumber")
            if _present(number):
                out[f"{self.contact}.{PHONE_FIELDS[kind]}"] = str(number)

    def _item_properties(self) -> dict[str, Any]:
        return {
            "type": {"type": ["string", "null"], "enum": [*PHONE_FIELDS, None]},
            "phoneNumber": {"type": ["string", "null"]},
        }


@dataclass(frozen=True, slots=True)
class Address(_ObjectList):
    """``addresses: [{addressType, line1, ..., postalCode, country}]`` <-> the contact's
    mail address: one address, ``addressType`` ``billing`` (hotglue's mapping for Intacct).
    """

    mailaddress: str
    unified: str = "addresses"
    address_type: str = "billing"

    def read(self, record: Mapping[str, Any], out: dict[str, Any]) -> None:
        values = {
            key: record.get(f"{self.mailaddress}.{name}") for key, name in ADDRESS_FIELDS.items()
        }
        if not any(_present(v) for v in values.values()):
            out[self.unified] = None
            return
        address = {k: (str(v) if _present(v) else None) for k, v in values.items()}
        out[self.unified] = [{"addressType": self.address_type, **address}]

    def write(
        self,
        unified: Mapping[str, Any],
        out: dict[str, Any],
        refs: References,
        path: str,
        partial: bool = False,
    ) -> None:
        items, where = self._given(unified, path)
        for index, address in enumerate(items):
            kind = address.get("addressType") or self.address_type
            if kind != self.address_type or index > 0:
                raise UnifiedRecordError(
                    f"{where}[{index}]",
                    f"Intacct keeps one {self.address_type!r} address here; "
                    f"this one ({kind!r}) has nowhere to go",
                )
            for key, name in ADDRESS_FIELDS.items():
                if _present(address.get(key)):
                    out[f"{self.mailaddress}.{name}"] = str(address[key])

    def _item_properties(self) -> dict[str, Any]:
        return {k: {"type": ["string", "null"]} for k in ("addressType", *ADDRESS_FIELDS)}


def audit_fields() -> tuple[Field, ...]:
    """``id`` (RECORDNO), ``createdAt`` and ``updatedAt``: on every stream, read only."""
    return (
        Value("id", "RECORDNO", KEY, writable=False, description="Intacct RECORDNO"),
        Value("createdAt", "WHENCREATED", DATETIME, writable=False),
        Value("updatedAt", "WHENMODIFIED", DATETIME, writable=False),
    )
