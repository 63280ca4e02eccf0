"""A record as the engine emits it: typed by the object's metadata, JSON-safe, in UTC.

One rule for every consumer (the tap, ``intacct sync``): DECIMAL/CURRENCY/PERCENT stay
:class:`~decimal.Decimal` (exact; the consumer serializes them), dates are
``YYYY-MM-DD``, timestamps ISO-8601 UTC with ``Z`` (WHENMODIFIED is written in the user's
zone by the gateway and decoded with the user's formatting), booleans and integers are
themselves, multi-picks lists. ``_entity_id`` names the entity session that read the
record ("" for the top level), so the same shared record read through two entities is
two rows, never one overwritten by the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from intacct.client.registry import ObjectInfo
from intacct.errors import ResponseFormatError
from intacct.protocol.formats import UserFormatting
from intacct.protocol.values import decode_bool, decode_decimal, decode_multipick

__all__ = ["ENTITY_ID", "Typer", "iso_utc", "to_output"]

ENTITY_ID = "_entity_id"


def to_output(
    info: ObjectInfo, record: Mapping[str, str], formatting: UserFormatting, entity_id: str
) -> dict[str, Any]:
    """``record`` (as the gateway wrote it) typed, JSON-safe and stamped with its entity."""
    out = {name: _json(value) for name, value in info.model.decode(record, formatting).items()}
    out[ENTITY_ID] = entity_id
    return out


def iso_utc(value: datetime) -> str:
    """An aware datetime as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(value: object) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


#: converted dates and timestamps remembered per stream (they repeat: a batch's lines
#: share its dates, an import its timestamps); bounded so memory does not grow
_REMEMBERED = 50_000
_INT_DIGITS = 30  # beyond this, the model's decoder (a Decimal, not a huge int)


class Typer:
    """:func:`to_output` for one object, formatting and entity, fast: each field's
    converter is chosen once, and repeated dates and timestamps are converted once.
    Anything its fast paths do not take goes through :func:`to_output` itself, so the
    output and the errors are the same."""

    def __init__(self, info: ObjectInfo, formatting: UserFormatting, entity_id: str) -> None:
        self.info, self.formatting, self.entity_id = info, formatting, entity_id
        self._convert = {f.name: self._converter(f.type) for f in info.model.fields}

    def __call__(self, record: Mapping[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        convert = self._convert
        try:
            for name, text in record.items():
                if name not in convert:
                    out[name] = text  # not in the metadata: as sent
                elif not text:
                    out[name] = None
                else:
                    change = convert[name]
                    out[name] = text if change is None else change(text)
        except (ValueError, ResponseFormatError):
            return to_output(self.info, record, self.formatting, self.entity_id)
        out[ENTITY_ID] = self.entity_id
        return out

    def _converter(self, kind: str) -> Callable[[str], Any] | None:
        fmt = self.formatting
        if kind == "string":
            return None
        if kind == "integer":
            return _integer
        if kind == "decimal":
            return decode_decimal
        if kind == "boolean":
            return decode_bool
        if kind == "multipick":
            return decode_multipick
        if kind == "date":
            return _remembering(lambda text: _json(fmt.decode_date(text)))
        if kind == "datetime":
            return _remembering(lambda text: _json(fmt.decode_timestamp(text)))
        return _undecided


def _undecided(text: str) -> Any:
    raise ValueError(text)  # a field type without a fast path: to_output decides


def _integer(text: str) -> Any:
    if text.isdigit() and text.isascii() and len(text) < _INT_DIGITS:
        return int(text)
    raise ValueError(text)  # signs, spaces, "12.0": the model's decoder


def _remembering(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    seen: dict[str, Any] = {}

    def remembered(text: str) -> Any:
        value = seen.get(text)
        if value is None:
            if len(seen) >= _REMEMBERED:
                seen.clear()
            value = seen[text] = convert(text)
        return value

    return remembered
