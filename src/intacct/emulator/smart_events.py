"""Smart Events with an HTTP post action, the older way Intacct tells of a change
(Intacct's help "Automate processes with Smart events"; developer.intacct.com's Smart
Event walkthrough and examples): a Smart Event, defined per company in the UI on an
owner object, fires on Add, Set or Delete of a record and posts a body its author wrote
to a URL, the body's injection parameters (``{!VENDOR.RECORDNO!}``,
``{!VENDOR.WHENMODIFIED!}``) replaced by the record's values.

Here a subscription of mode ``smart_event`` (:mod:`.store.triggers`) whose ``body`` is
the template; the emulator's sender (:mod:`.delivery`) posts :func:`render`'s text once
per committed write it watches, under the same delivery faults as webhooks.

Choices no source settles, all [U]:

- One attempt: a post answered other than 2xx, or one that fails, is lost (counted
  ``smart_event.failed``, logged), never sent again; the help speaks of no retry, and
  the engine's safety run finds what a lost post announced.
- No signature and no header the author can set: the body is all a receiver gets (so
  the receiver's own check is a token the author writes into the body,
  :mod:`intacct.notices.smart_event`).
- ``Content-Type: application/x-www-form-urlencoded`` (:data:`CONTENT_TYPE`, a web
  form's post) whatever the body holds; the body goes as the template made it, UTF-8,
  not encoded again.
- Injection is raw text, not escaped for the body's syntax (a quote in a vendor's name
  breaks a JSON template, as it would in Intacct); object and field names are matched
  case-insensitively; a name that is no field of the record, a parameter of another
  object, or a path through a related object (``{!APBILL.VENDOR.NAME!}``) injects
  empty text.
- A value's text is the gateway's: dates and timestamps in the company's date format
  and wall-clock time (``WHENMODIFIED`` ``11/26/2026 04:02:42``), booleans
  ``true``/``false``, a number as stored; a delete injects the values the record had.
- A Smart Event's condition is not emulated: every watched event posts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.values import to_wire

__all__ = ["CONTENT_TYPE", "inject", "render"]

CONTENT_TYPE = "application/x-www-form-urlencoded"
_PARAMETER = re.compile(r"\{!([A-Za-z0-9_]+)\.([A-Za-z0-9_.]+)!\}")


def inject(template: str, obj: str, value_of: Callable[[str], str]) -> str:
    """``template`` with each ``{!OBJ.FIELD!}`` of object ``obj`` replaced by
    ``value_of(FIELD)`` (names upper-cased), any other parameter by ''."""

    def replaced(found: re.Match[str]) -> str:
        named, field = found.group(1).upper(), found.group(2).upper()
        return value_of(field) if named == obj.upper() else ""

    return _PARAMETER.sub(replaced, template)


def render(template: str, obj: ObjectDef, values: Mapping[str, Any], date_format: str) -> str:
    """A Smart Event's body for a record of ``obj`` whose stored values are ``values``."""

    def value_of(name: str) -> str:
        field, value = obj.field(name), values.get(name)
        if field is None or value is None:
            return ""
        try:
            return to_wire(field, value, date_format)
        except ValueError:  # a stored text that is no date: as stored
            return str(value)

    return inject(template, obj.name, value_of)
