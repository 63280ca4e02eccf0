"""The error a write answers when its id field repeats an existing record's.

Each object says it in its own words. Seen in production answers:
- most 3.0 objects: BL34000061 "Another Project with the given value(s) Fellow PD1  already
  exists" (two spaces before "already"), correction "Use a unique value instead.", then
  BL01001973 "Could not create project record!" (jfcote87 execFuncError.xml capture);
- GLACCOUNT: BL01001973, description "Duplicate account number", description2 "The account
  number '5000.11' already exists", correction "Enter unique account number" (Sage's
  web-services requests page, errorid GL-0493 with GL-0504 "could not create").
[U] The wrapper after GLACCOUNT's own error and the words of an update that collides
are not published; they follow the create wrappers above.
"""

from __future__ import annotations

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.errors import ErrorLine, FieldError, FunctionError

__all__ = ["DuplicateIdError", "duplicate_error"]


def _own_words(obj: ObjectDef, value: str) -> ErrorLine:
    if obj.name == "GLACCOUNT":
        return ErrorLine(
            "BL01001973",
            "Duplicate account number",
            f"The account number '{value}' already exists",
            "Enter unique account number",
        )
    label = obj.label or obj.name.capitalize()
    return ErrorLine(
        "BL34000061",
        "",
        f"Another {label} with the given value(s) {value}  already exists",
        "Use a unique value instead.",
    )


class DuplicateIdError(FieldError):
    """A write whose id field (``field``) repeats another record's."""


def duplicate_error(obj: ObjectDef, value: str, action: str = "create") -> FunctionError:
    """``obj``'s answer to a ``create``/``update`` whose id ``value`` is taken."""
    wrapper = ErrorLine("BL01001973", "", f"Could not {action} {obj.name.lower()} record!", "")
    return DuplicateIdError(obj.id_field or "", _own_words(obj, value), wrapper)
