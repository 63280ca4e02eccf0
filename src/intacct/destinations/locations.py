"""What ``--db`` names, read once and without the drivers: a :class:`Location` says which
store (a DuckDB file, a Postgres schema, a warehouse through dlt), shows it without its
password and takes a Postgres URL's ``?schema=`` apart (importing psycopg costs every
DuckDB run ~13 MB, so only a Postgres run does). Nothing else reads ``--db``'s text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "DEFAULT_SCHEMA",
    "DLT",
    "DLT_PREFIX",
    "DUCKDB",
    "POSTGRES",
    "Location",
    "display_url",
    "is_dlt",
    "is_postgres",
    "split_url",
]

DEFAULT_SCHEMA = "intacct"
DUCKDB, POSTGRES, DLT = "duckdb", "postgres", "dlt"
_SCHEMES = ("postgresql://", "postgres://")
#: ``dlt:<destination>[?…]``
DLT_PREFIX = "dlt:"


@dataclass(frozen=True, slots=True)
class Location:
    """A store as ``--db`` names it: ``kind`` (:data:`DUCKDB`, :data:`POSTGRES` or
    :data:`DLT`) and ``where``, the text as given."""

    kind: str
    where: str

    @classmethod
    def parse(cls, where: str | Path | Location) -> Location:
        """A ``postgresql://`` (or ``postgres://``) URL, ``dlt:<destination>[?…]``, or
        else the path of a DuckDB file."""
        if isinstance(where, Location):
            return where
        text = str(where)
        if isinstance(where, str) and text.lower().startswith(_SCHEMES):
            return cls(POSTGRES, text)
        if text.startswith(DLT_PREFIX):
            return cls(DLT, text)
        return cls(DUCKDB, text)

    @property
    def shown(self) -> str:
        """As messages show it: a URL without its password."""
        return display_url(self.where) if self.kind == POSTGRES else self.where

    @property
    def path(self) -> Path:
        """A DuckDB file's path."""
        return Path(self.where)


def is_postgres(where: str | Path | Location) -> bool:
    return Location.parse(where).kind == POSTGRES


def is_dlt(where: str | Path | Location) -> bool:
    """``where`` names a warehouse through dlt (``dlt:<destination>[?…]``)."""
    return Location.parse(where).kind == DLT


def display_url(url: str) -> str:
    """The URL without its password (and without the query): what errors may show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = (f"{parts.username}@" if parts.username else "") + host
    netloc += f":{parts.port}" if parts.port else ""
    schema = split_url(url)[1]
    return _unsplit(parts._replace(netloc=netloc, query="", fragment="")) + f" (schema {schema})"


def split_url(url: str) -> tuple[str, str]:
    """libpq's URL (``schema`` taken out) and the schema."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), "") or DEFAULT_SCHEMA
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return _unsplit(parts._replace(query=rest)), schema


def _unsplit(parts: SplitResult) -> str:
    """``urlunsplit`` keeping ``//`` before an empty host: libpq reads
    ``postgresql:///intacct`` as the local socket's database ``intacct``, and
    ``postgresql:/intacct`` not at all."""
    url = urlunsplit(parts)
    if not parts.netloc:
        url = url.replace(f"{parts.scheme}:", f"{parts.scheme}://", 1)
    return url
