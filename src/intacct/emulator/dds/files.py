"""A DDS job's CSV files: the object's records as the gateway's reads show them, the
columns DDS adds, split by a record limit.

Sage's overview [V]: one or more CSV files per job whose names begin with the object's
name; every file has ``ddsReadTime`` and, in a job of changed records, ``ddsChangeType``
(create, update or delete), deleted records by default in a file of their own; files
split at a maximum number of records. Sage's SDKs' ``fileConfiguration`` [V: SDK]:
delimiter, enclosure, includeHeaders, fileFormat (unix, windows, mac: the line ends),
splitSize, compress.

Choices of ours, [U]: the columns are the object's fields in the order ``lookup`` lists
them, then ``ddsReadTime``, then ``ddsChangeType`` (Sage's DDL for an object lists its
fields, then ``ddsReadTime``); values are written as the gateway's reads print them
(dates and times in the company's date format, booleans ``true``/``false``) and
``ddsReadTime`` in UTC, ISO 8601 with its offset, as the DDSJOB name writes its time;
UTF-8 without a byte order mark; a header row unless ``includeHeaders`` is false;
records in RECORDNO order; an export of no record is one file with the header alone; the
deleted records' file has the object's key (its id field, else RECORDNO: the primary key
Sage's DDL declares), ``ddsReadTime`` and ``ddsChangeType``; names
``<OBJECT>.<all|change|delete>.<UTC yyyymmddThhmmssZ>.<job RECORDNO>.<n>.csv`` (``.csv.gz``,
gzip, with ``compress``); one character of delimiter and of enclosure.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.values import wire_column

__all__ = ["FileSettings", "Part", "named_files", "records_as_text", "split"]

_LINE_ENDS = {"unix": "\n", "windows": "\r\n", "mac": "\r"}


@dataclass(frozen=True, slots=True)
class FileSettings:
    """A job's ``fileConfiguration``, defaults filled in."""

    delimiter: str = ","
    enclosure: str = '"'
    include_headers: bool = True
    file_format: str = "unix"
    split_size: int = 100_000
    compress: bool = False


@dataclass(frozen=True, slots=True)
class Part:
    """One file of a job: its records' columns and values."""

    kind: str  # all, change or delete: the name's second part
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def records_as_text(
    obj: ObjectDef, names: Sequence[str], rows: Sequence[dict[str, Any]], date_format: str
) -> list[list[str]]:
    """Stored rows as the gateway's reads print them, column by column (the same
    converters as a readByQuery page)."""
    columns = [wire_column(obj.field(n), date_format)([r.get(n) for r in rows]) for n in names]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def split(
    kind: str, header: Sequence[str], rows: Iterable[Sequence[str]], size: int
) -> Iterator[Part]:
    """``rows`` in files of ``size`` at most, each made once its rows are read (a large
    export is never held whole); one file with the header alone for none."""
    held: list[tuple[str, ...]] = []
    made = False
    for row in rows:
        held.append(tuple(row))
        if len(held) == size:
            yield Part(kind, tuple(header), tuple(held))
            held, made = [], True
    if held or not made:
        yield Part(kind, tuple(header), tuple(held))


def named_files(
    obj: str, stamp: str, job: int, parts: Iterable[Part], settings: FileSettings
) -> Iterator[tuple[str, bytes]]:
    """Each part as its file's name and bytes, one at a time."""
    suffix = ".csv.gz" if settings.compress else ".csv"
    numbers: dict[str, int] = {}
    for part in parts:
        numbers[part.kind] = numbers.get(part.kind, 0) + 1
        yield (
            f"{obj}.{part.kind}.{stamp}.{job}.{numbers[part.kind]}{suffix}",
            _content(part, settings),
        )


def _content(part: Part, settings: FileSettings) -> bytes:
    """A part as the bytes of its file."""
    text = io.StringIO(newline="")
    writer = csv.writer(
        text,
        delimiter=settings.delimiter,
        quotechar=settings.enclosure,
        lineterminator=_LINE_ENDS[settings.file_format],
        quoting=csv.QUOTE_MINIMAL,
    )
    if settings.include_headers:
        writer.writerow(part.header)
    writer.writerows(part.rows)
    data = text.getvalue().encode("utf-8")
    return gzip.compress(data, mtime=0) if settings.compress else data
