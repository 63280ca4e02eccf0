"""``intacct query --where``: readByQuery compares enumerations and booleans by their
stored codes (``STATUS = 'T'``), not the display values records show (``active``)
(protocol notes "Stored codes vs display values" [V]). A condition written with a
display value finds nothing, silently. So the CLI sends the code where the code is
documented (booleans ``T``/``F``; ``active``/``inactive`` are ``T``/``F``) and says so,
and for any other display value explains why nothing matched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from intacct.client.metadata import FieldModel, ObjectModel

__all__ = ["Where", "for_read_by_query", "named_fields"]

# a quoted literal ('' escapes a quote), or FIELD op literal / FIELD [NOT] IN (...)
_LITERAL = r"'(?:[^']|'')*'"
_TOKEN = re.compile(
    rf"(?P<skip>{_LITERAL})"
    rf"|(?P<field>\b[A-Za-z_][\w.]*)\s*(?P<op>=|!=|<>|\bnot\s+in\b|\bin\b)\s*"
    rf"(?P<value>{_LITERAL}|\((?:[^()']|{_LITERAL})*\))",
    re.IGNORECASE,
)
# a quoted literal (skipped), or a name that is not the tail of a number or a path
_NAME = re.compile(rf"{_LITERAL}|(?<![\w.])([A-Za-z_][\w.]*)")
#: readByQuery's words, not field names
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "IS", "NULL"})
#: display values whose stored codes are documented: STATUS = 'T' (vendors' query
#: fields), booleans T/F
_STATUS_CODES = {"active": "T", "inactive": "F"}
_BOOLEAN_CODES = {"true": "T", "false": "F"}


@dataclass(slots=True)
class Where:
    condition: str  # what readByQuery gets
    notes: list[str] = field(default_factory=list)  # translations made
    #: display values left as they are, with their field: said when nothing matches
    display_values: list[tuple[FieldModel, str]] = field(default_factory=list)


def for_read_by_query(condition: str, model: ObjectModel) -> Where:
    """``condition`` with documented display values replaced by their codes."""
    out = Where(condition)
    out.condition = _TOKEN.sub(lambda m: _literal(m, model, out), condition)
    return out


def named_fields(condition: str) -> list[str]:
    """The field names ``condition`` mentions (outside its quoted literals), as written."""
    names = (m.group(1) for m in _NAME.finditer(condition) if m.group(1))
    return list(dict.fromkeys(n for n in names if n.upper() not in _KEYWORDS))


def _literal(match: re.Match[str], model: ObjectModel, out: Where) -> str:
    if match.group("skip") is not None:
        return match.group(0)
    name = match.group("field").upper()
    known = {f.name.upper(): f for f in model.fields}
    if name not in known:
        return match.group(0)
    spec = known[name]
    codes = _codes(spec)
    value = match.group("value")
    changed = re.sub(_LITERAL, lambda lit: _code(lit.group(0), spec, codes, out), value)
    if changed != value:
        sent = f"{match.group('field')} {match.group('op')} {changed}"
        out.notes.append(
            f"{match.group(0)} sent as {sent}: readByQuery compares {spec.name}'s stored "
            "codes, not the values records show"
        )
    return match.group(0)[: match.start("value") - match.start()] + changed


def _code(literal: str, spec: FieldModel, codes: dict[str, str], out: Where) -> str:
    text = literal[1:-1].replace("''", "'")
    code = codes.get(text.lower())
    if code is not None:
        return f"'{code}'"
    shown = {v.lower() for v in spec.valid_values}
    if text.lower() in shown:
        out.display_values.append((spec, text))
    return literal


def _codes(spec: FieldModel) -> dict[str, str]:
    if spec.type == "boolean":
        return _BOOLEAN_CODES
    if {v.lower() for v in spec.valid_values} == set(_STATUS_CODES):
        return _STATUS_CODES
    return {}
