"""A page of REST records written as JSON text straight from its columns' values:
byte for byte what orjson writes for the records as dicts (:class:`.answers.RecordsJSON`),
without making a dict a record (a page's largest cost once its values are converted).
Whatever orjson alone can say how to write (a float, text beyond printable ASCII or
holding ``"`` or ``\\``) is written by orjson itself, value by value; whatever orjson
would refuse leaves the page to be written as dicts, as before."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

__all__ = ["PASSTHROUGH", "Template", "json_texts", "literal", "texts_of"]

#: orjson refuses these (their answers are written by json: :class:`.answers.RecordsJSON`)
PASSTHROUGH = (
    orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
_NONE = type(None)
_INTS = (-(2**63), 2**64 - 1)  # what orjson writes of an integer


def literal(value: Any) -> str | None:
    """``value`` as orjson writes it; None when orjson refuses it."""
    try:
        return orjson.dumps(value, option=PASSTHROUGH).decode()
    except orjson.JSONEncodeError:
        return None


def json_texts(values: Sequence[Any]) -> list[str] | None:
    """Each of a column's values as orjson writes it; None when orjson refuses one."""
    kinds = set(map(type, values))
    if kinds <= {str, _NONE}:
        text = "".join(v for v in values if v is not None)
        if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
            return ["null" if v is None else f'"{v}"' for v in values]
    elif kinds <= {int, _NONE}:
        numbers = [v for v in values if v is not None]
        if not numbers or (_INTS[0] <= min(numbers) and max(numbers) <= _INTS[1]):
            return ["null" if v is None else str(v) for v in values]
    elif kinds <= {bool, _NONE}:
        return ["null" if v is None else "true" if v else "false" for v in values]
    return _every([literal(v) for v in values])


def _every(texts: list[str | None]) -> list[str] | None:
    """``texts``, or None when one is None."""
    found = [t for t in texts if t is not None]
    return found if len(found) == len(texts) else None


def texts_of(columns: Sequence[Sequence[Any]]) -> list[list[str]] | None:
    """:func:`json_texts` of each column; None when orjson refuses a value."""
    found = []
    for values in columns:
        texts = json_texts(values)
        if texts is None:
            return None
        found.append(texts)
    return found


class Template:
    """A record's text: literal text (braces, keys, constants) between the values read.
    ``parts`` holds literal text and, for a value, the index of its read."""

    def __init__(self, parts: Iterable[str | int]) -> None:
        merged: list[str | int] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            else:
                merged.append(part)
        self._parts = merged

    def write(self, count: int, texts: Sequence[Sequence[str]]) -> bytes:
        """The JSON array of ``count`` records, ``texts`` each read's values' text."""
        pieces = [itertools.repeat(p) if isinstance(p, str) else texts[p] for p in self._parts]
        if len(pieces) == 1:  # no value read: one literal record
            pieces = [itertools.repeat(str(self._parts[0]), count)]
        records = map("".join, zip(*pieces, strict=False))
        return ("[" + ",".join(records) + "]").encode()
