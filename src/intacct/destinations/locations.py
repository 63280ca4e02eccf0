"""What ``--db`` names, read without the drivers: a Postgres URL told from a DuckDB path,
shown without its password, its ``?schema=`` taken apart (importing psycopg costs every
DuckDB run ~13 MB, so only a Postgres run does)."""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["DEFAULT_SCHEMA", "display_url", "is_postgres", "split_url"]

DEFAULT_SCHEMA = "intacct"
_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(where: object) -> bool:
    return isinstance(where, str) and where.lower().startswith(_SCHEMES)


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
