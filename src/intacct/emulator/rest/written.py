"""A page of REST records written as JSON text straight from its columns' values:
byte for byte what orjson writes for the records as dicts (:class:`.answers.RecordsJSON`),
without making a dict a record (a page's largest cost once its values are converted).
Whatever orjson alone can say how to write (a float, text beyond printable ASCII or
holding ``"`` or ``\\``) is written by orjson itself, value by value; whatever orjson
would refuse leaves the page to be written as dicts, as before."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson

__all__ = ["PASSTHROUGH", "Template", "Texts", "Writer", "json_texts", "literal", "texts_of"]

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


#: a page's records written between a head and a tail (:meth:`Template.write`)
Writer = Callable[[str, str], bytes]
#: a column's values as JSON text, or as bare text the record's template quotes
Texts = tuple[Sequence[str], bool]


def json_texts(values: Sequence[Any]) -> Texts | None:
    """A column's values as orjson writes them; None when orjson refuses one. Plain text
    without nulls comes back as it is, marked to be quoted by the template (most of a
    page's values: no text is made for them)."""
    kinds = set(map(type, values))
    if kinds == {str}:
        if _plain("".join(values)):
            return values, True
    elif kinds <= {str, _NONE}:
        if _plain("".join(v for v in values if v is not None)):
            return ["null" if v is None else f'"{v}"' for v in values], False
    elif kinds <= {int, _NONE}:
        numbers = [v for v in values if v is not None]
        if not numbers or (_INTS[0] <= min(numbers) and max(numbers) <= _INTS[1]):
            if len(numbers) == len(values):
                return list(map(str, values)), False
            return ["null" if v is None else str(v) for v in values], False
    elif kinds <= {bool, _NONE}:
        return ["null" if v is None else "true" if v else "false" for v in values], False
    texts = [literal(v) for v in values]
    found = [t for t in texts if t is not None]
    return (found, False) if len(found) == len(texts) else None


def _plain(text: str) -> bool:
    """Text orjson writes as it is between quotes."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def texts_of(columns: Sequence[Sequence[Any]]) -> list[Texts] | None:
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
    ``parts`` holds literal text and, for a value, the index of its read; it begins
    with literal text (a record is an object)."""

    def __init__(self, parts: Iterable[str | int]) -> None:
        self._parts = _merged(parts)
        if not isinstance(self._parts[0], str):
            raise ValueError("a record's template begins with literal text")

    def write(self, count: int, texts: Sequence[Texts], head: str = "", tail: str = "") -> bytes:
        """``head``, the JSON array of ``count`` records (``texts`` each read's values),
        ``tail``: every piece of every record in one join (no text made a record),
        encoded once."""
        parts = _merged(
            piece
            for part in self._parts
            for piece in (('"', part, '"') if isinstance(part, int) and texts[part][1] else (part,))
        )
        first = str(parts[0])
        if count == 0:
            return f"{head}[]{tail}".encode()
        if len(parts) == 1:  # no value read: one literal record
            records: Iterable[str] = [first, *itertools.repeat("," + first, count - 1)]
        else:
            columns = [
                itertools.repeat(part) if isinstance(part, str) else texts[part][0]
                for part in parts[1:]
            ]
            leads = itertools.chain((first,), itertools.repeat("," + first))
            records = itertools.chain.from_iterable(zip(leads, *columns, strict=False))
        return "".join(itertools.chain((head, "["), records, ("]", tail))).encode()


def _merged(parts: Iterable[str | int]) -> list[str | int]:
    """``parts`` with neighbouring literal text joined."""
    merged: list[str | int] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged
