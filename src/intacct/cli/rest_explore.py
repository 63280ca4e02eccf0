"""``intacct objects``, ``describe`` and ``query`` for the objects only the REST API has
(``accounts_payable_vendor_total``...), as they treat XML's: listed beside the gateway's
where the connection has the OAuth app, described from the company's REST catalog (its
model service: custom objects and fields included), read through the query service by
key. A name is the stream name ``intacct sync`` gives it, or its REST path.

``--where`` takes readByQuery's form, translated to the query service's filters: each
``FIELD op literal`` joined by ``AND`` (``=``, ``!=``/``<>``, ``<``, ``<=``, ``>``,
``>=``, ``[NOT] IN (...)``, ``[NOT] LIKE`` with ``%`` at an end or both, ``IS [NOT]
NULL``); anything else is refused, naming what, never sent half-understood.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct.client import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.client.rest_pages import iter_rest_pages, value_at
from intacct.errors import ConfigError, near_misses
from intacct.protocol.rest_catalog import RestField, RestObject
from intacct.replication.streams.rest_only import rest_only_names

__all__ = ["RestOnly", "rest_filters", "rest_only_of", "rest_rows"]

#: the query service's largest page ("4000 maximum", core OpenAPI's ``size``)
_PAGE = 4000


@dataclass(frozen=True, slots=True)
class RestOnly:
    """One object only REST has: the name ``intacct sync`` gives it, and the object."""

    name: str
    target: RestObject

    @property
    def fields(self) -> list[RestField]:
        """Its readable fields, as columns (lists are no columns)."""
        return [f for f in self.target.fields.values() if not f.write_only and f.type != "array"]


def rest_only_of(registry: ObjectRegistry) -> dict[str, RestOnly]:
    """The company's objects only REST has, by stream name (none without the OAuth app:
    the REST API is not open to the connection)."""
    if not registry.client.speaks_rest:
        return {}
    catalog = registry.rest.catalog()
    found = {}
    for path, name in rest_only_names(catalog).items():
        target = catalog.get(path)
        if target is not None and "list" in target.operations:
            found[name] = RestOnly(name, target)
    return found


def find(known: Mapping[str, RestOnly], asked: str) -> RestOnly | None:
    """The object ``asked`` names: its stream name or its REST path, in any case."""
    wanted = asked.lower()
    for name, found in known.items():
        if wanted in (name.lower(), found.target.path.lower()):
            return found
    return None


def chosen_fields(found: RestOnly, asked: Sequence[str]) -> list[RestField]:
    """``asked`` (column names, any case) as fields, every one without; a ConfigError
    names those it lacks, with near misses."""
    by_column = {f.column.upper(): f for f in found.fields}
    if not asked:
        return found.fields
    missing = [a for a in asked if a.upper() not in by_column]
    if missing:
        said = near_misses(missing, {c: f.column for c, f in by_column.items()})
        raise ConfigError(
            "--fields",
            f"{found.name} has no field {', '.join(said)}: `intacct describe {found.name}` "
            "lists its fields",
        )
    return [by_column[a.upper()] for a in asked]


def rest_rows(
    client: IntacctClient,
    found: RestOnly,
    fields: Sequence[RestField],
    filters: Sequence[Mapping[str, Any]],
    limit: int,
) -> Iterator[dict[str, Any]]:
    """Its records through the query service by key, each as ``{column: value}``, at
    most ``limit`` (0: all); no page beyond it is read."""
    size = min(limit, _PAGE) if limit else _PAGE
    names = [f.name for f in fields]
    pages = iter_rest_pages(
        client.rest, found.target.path, names, size=size, by_key=True, filters=filters
    )
    given = 0
    for page in pages:
        for record in page.records:
            yield {f.column: value_at(record, f.name) for f in fields}
            given += 1
            if limit and given >= limit:
                return


# -- --where, as the query service's filters ----------------------------------------------

_LITERAL = r"'(?:[^']|'')*'"
_VALUE = rf"{_LITERAL}|-?\d+(?:\.\d+)?|true|false"
_CLAUSE = re.compile(
    rf"^\s*(?P<field>[A-Za-z_][\w.]*)\s*(?:"
    rf"(?P<op><=|>=|<>|!=|=|<|>)\s*(?P<value>{_VALUE})"
    rf"|(?P<not>not\s+)?(?P<set>in)\s*\((?P<items>(?:\s*(?:{_VALUE})\s*,?)+)\)"
    rf"|(?P<lnot>not\s+)?like\s*(?P<pattern>{_LITERAL})"
    rf"|is\s+(?P<nnot>not\s+)?null"
    rf")\s*$",
    re.IGNORECASE,
)
_AND = re.compile(rf"\s+and\s+(?=(?:[^']|{_LITERAL})*$)", re.IGNORECASE)
_OPS = {"=": "$eq", "!=": "$ne", "<>": "$ne", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


def rest_filters(condition: str, found: RestOnly) -> list[dict[str, Any]]:
    """``condition`` (see the module docstring) as the query service's filters, and-ed;
    a ConfigError (key ``--where``) naming what it cannot translate."""
    if not condition.strip():
        return []
    by_column = {f.column.upper(): f for f in found.fields}
    out = []
    for clause in _split(condition):
        match = _CLAUSE.match(clause)
        if match is None:
            raise ConfigError(
                "--where",
                f"cannot read {clause.strip()!r} for {found.name}: give FIELD op value "
                "clauses joined by AND (=, !=, <, <=, >, >=, IN, LIKE, IS NULL)",
            )
        field = by_column.get(match["field"].upper())
        if field is None:
            raise ConfigError("--where", f"{found.name} has no field {match['field']}")
        out.append(_filter(match, field.name))
    return out


def _split(condition: str) -> list[str]:
    if re.search(rf"\bor\b(?=(?:[^']|{_LITERAL})*$)", condition, re.IGNORECASE):
        raise ConfigError(
            "--where", "OR cannot be sent to the query service here: join clauses by AND"
        )
    return _AND.split(condition)


def _filter(match: re.Match[str], name: str) -> dict[str, Any]:
    if match["op"]:
        return {_OPS[match["op"]]: {name: _value(match["value"])}}
    if match["set"]:
        items = re.findall(_VALUE, match["items"], re.IGNORECASE)
        return {"$notIn" if match["not"] else "$in": {name: [_value(i) for i in items]}}
    if match["pattern"]:
        return _like(match["pattern"], name, negated=bool(match["lnot"]))
    return {"$ne" if match["nnot"] else "$eq": {name: None}}


def _like(pattern: str, name: str, *, negated: bool) -> dict[str, Any]:
    text = pattern[1:-1].replace("''", "'")
    inner = text.strip("%")
    if "%" in inner or "_" in inner or not inner:
        raise ConfigError("--where", f"LIKE {pattern}: only % at an end or both is understood")
    if text.startswith("%") and text.endswith("%"):
        op = "$contains"
    elif text.endswith("%"):
        op = "$startsWith"
    elif text.startswith("%"):
        op = "$endsWith"
    else:
        op = "$eq"
    if negated:
        op = "$ne" if op == "$eq" else "$not" + op[1].upper() + op[2:]
    return {op: {name: inner}}


def _value(text: str) -> Any:
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits numbers only
        return text
    return int(number) if number == number.to_integral_value() else float(number)
