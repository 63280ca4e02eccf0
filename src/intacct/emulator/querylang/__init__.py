"""The gateway's three query languages, translated to parameterized SQLite SQL.

* ``readByQuery``'s SQL-like string (protocol §7.3) → :func:`translate_readbyquery`;
* the ``query`` function's XML ``<filter>`` and ``<orderby>`` (§5.10) →
  :func:`translate_filter` and :func:`translate_orderby`;
* DTD 2.1 ``get_list``'s ``<filter>`` of ``expression``/``logical`` (§6.2) →
  :func:`translate_get_list_filter`.

Written independently of the client's builder (``intacct.protocol.query``): the two are
held to the same texts by tests, not by shared code.

The SQL runs against the store's tables: one column per field, named by the field name
(double-quoted, dotted names too); integer → INTEGER, decimal → canonical decimal TEXT
(compared as ``CAST(col AS REAL)``), text → TEXT, enum → TEXT display value, boolean →
INTEGER 0/1, date → TEXT ``YYYY-MM-DD``, timestamp → TEXT ``YYYY-MM-DD HH:MM:SS``,
empty → NULL.

Safety: every value is a ``?`` parameter, never SQL text; a column name reaches the SQL
only as a key of the ``fields`` mapping the caller passed (the spelling of the key, not
of the query), so the query text decides which known column, never what SQL.

Semantics chosen where production is Oracle and the docs are silent (all **[U]**):

* NULL is three-valued as in SQL: ``F != 'x'``, ``NOT F = 'x'`` and ``F NOT IN (…)`` do
  not select rows where ``F`` is empty. An empty literal (``''``, ``<value/>``) is NULL,
  as in Oracle, so it matches nothing (use ``IS NULL``).
* ``LIKE`` is case-sensitive: it is translated to SQLite ``GLOB`` (``%`` → ``*``,
  ``_`` → ``?``; a literal ``*``/``?``/``[`` is bracketed), which is exact and
  case-sensitive whatever ``PRAGMA case_sensitive_like`` says; there is no escape
  character (Oracle ``LIKE`` without ``ESCAPE``). Non-text fields are matched against
  their text form: dates as the gateway writes them, in the company's date format
  (``date_format=``, ``MM/DD/YYYY[ HH:MM:SS]`` by default), integers in decimal,
  decimals as stored, booleans/enums as ``T``/``F``/codes in readByQuery and
  ``true``/``false``/display values in ``query``/``get_list``.
* Date and timestamp literals are read as ``MM/DD/YYYY`` or ``MM/DD/YYYY HH:MM:SS``
  (the company's wall-clock time) whatever the company's display format, so
  ``15/09/2025`` and ``2025-09-15`` are invalid dates: Sage's SDKs write every date they
  send, filter values included, that way for every user (JS
  ``IaXmlWriter.intacctDateFormat = "mm/dd/yyyy"``, .NET and PHP alike), and
  developer.intacct.com/web-services/parameter-formats says dates are "typically
  strings in the format mm/dd/yyyy". Dates come out in the display format but go in
  as MM/DD/YYYY.
* ``caseinsensitive`` folds with SQLite's ``lower()``, which folds ASCII only.
* A date literal with a time compared with a date field compares the date at midnight;
  a date-only literal compared with a timestamp field means midnight.
* A literal that is not a number compared with an integer/decimal field, not a date
  with a date field, or not ``T``/``F``/``true``/``false`` with a boolean field is an
  error (Oracle: invalid number / date), not "no match". An enum literal that is neither
  a code nor a display value simply matches nothing.
* Field names are matched exactly, else case-insensitively.
* ``orderby`` sorts decimals numerically and NULLs as Oracle does by default: last when
  ascending, first when descending.
* readByQuery also takes ``!=``/``<>``, ``''`` for a quote inside a string (besides the
  documented ``\'``; ``\\`` is a backslash, other backslashes are kept), keywords in
  any case, no spaces around operators, and ``rownum`` only as a top-level AND
  condition (→ :attr:`Translated.limit`). ``IN`` lists take at most 1000 values
  (Oracle's limit); nesting is capped at :data:`MAX_DEPTH`.
* get_list also takes ``is not null`` and ``<>``; a ``logical`` may hold one child.

Errors (:class:`QueryError`; errorno / description2; wording ours unless marked [O]):

* syntax, ``ORDER BY``, bad literal, unknown field — ``DL02000001`` [O] /
  "There was an error processing the request. Invalid query: expected … at position N
  (near 'tok')." · "… Invalid query: ORDER BY is not supported by readByQuery …" ·
  "… Invalid value 'x' for field 'F': expected a number." · "Invalid field 'X' in query."
* field with ``queryable=False`` — ``XL03000006`` / "The following fields cannot be
  queried: [ vendor: [A, B] ]" [O] (all such fields of the request, in order of use).
* malformed ``<filter>``/``<orderby>`` XML — ``Query Failed`` / "Invalid filter: …".
"""

from __future__ import annotations

from intacct.emulator.querylang.core import Translated
from intacct.emulator.querylang.errors import (
    DEFAULT_DATE_FORMAT,
    MAX_DEPTH,
    MAX_IN_VALUES,
    QueryError,
    not_queryable_error,
    unknown_field_error,
)
from intacct.emulator.querylang.filter import translate_filter, translate_orderby
from intacct.emulator.querylang.get_list import translate_get_list_filter
from intacct.emulator.querylang.readbyquery import translate_readbyquery

__all__ = [
    "DEFAULT_DATE_FORMAT",
    "MAX_DEPTH",
    "MAX_IN_VALUES",
    "QueryError",
    "Translated",
    "not_queryable_error",
    "translate_filter",
    "translate_get_list_filter",
    "translate_orderby",
    "translate_readbyquery",
    "unknown_field_error",
]
