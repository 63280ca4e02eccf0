"""Errors the three query languages raise, in the gateway's numbers and words."""

from __future__ import annotations

from collections.abc import Sequence

#: Intacct's default date format (strftime), used when the caller names none.
DEFAULT_DATE_FORMAT = "%m/%d/%Y"
#: values in one ``in``/``notin`` (query XSD) and in one readByQuery ``IN`` list (Oracle).
MAX_IN_VALUES = 1000
#: nesting of parentheses / NOT / and-or elements accepted [U]: chosen so that the SQL
#: stays well inside SQLite's parser stack (about 45 levels of ``NOT (…)``).
MAX_DEPTH = 32

# --- errors ------------------------------------------------------------------------------

#: syntax and value errors; production reports DL02000001 "There was an error processing
#: the request." for bad fields, ISO dates and ORDER BY in readByQuery [O]; the detail
#: after that sentence is ours [U].
SYNTAX_ERRORNO = "DL02000001"
#: malformed ``<filter>``/``<orderby>`` XML; free text as in "Query Failed" errors [U].
FILTER_ERRORNO = "Query Failed"
#: "The following fields cannot be queried: [ apbill: [A, B] ]" [O] (sdk-js issue #83).
NOT_QUERYABLE_ERRORNO = "XL03000006"

PROCESSING = "There was an error processing the request."
_SYNTAX_HELP = (
    "Write conditions as FIELD operator value (=, !=, <>, <, <=, >, >=, LIKE, NOT LIKE, IN, "
    "NOT IN, IS NULL, IS NOT NULL) joined with AND, OR, NOT and parentheses; quote strings "
    "and dates with single quotes."
)


class QueryError(Exception):
    """A query the gateway would refuse; rendered as one ``errormessage/error``."""

    def __init__(self, errorno: str, description2: str, correction: str = "") -> None:
        super().__init__(f"{errorno}: {description2}")
        self.errorno = errorno
        self.description2 = description2
        self.correction = correction


def syntax_error(detail: str, pos: int, near: str) -> QueryError:
    shown = f"near '{near}'" if near else "at the end of the query"
    return QueryError(
        SYNTAX_ERRORNO,
        f"{PROCESSING} Invalid query: {detail} at position {pos} ({shown}).",
        _SYNTAX_HELP,
    )


def value_error(field: str, value: str, expected: str) -> QueryError:
    return QueryError(
        SYNTAX_ERRORNO,
        f"{PROCESSING} Invalid value '{value}' for field '{field}': expected {expected}.",
        f"Compare {field} with {expected}.",
    )


def filter_error(detail: str) -> QueryError:
    return QueryError(
        FILTER_ERRORNO,
        f"Invalid filter: {detail}",
        "Check the filter against the query function's schema.",
    )


def unknown_field_error(name: str, object_name: str = "", *, joins: bool = False) -> QueryError:
    """``Invalid field 'X' in query`` [U]; ``joins`` explains readByQuery's no-join rule."""
    where = f" on object {object_name}" if object_name else ""
    correction = (
        "readByQuery cannot filter on fields of related objects; use the query function."
        if joins
        else "Use the lookup function to list the object's fields."
    )
    return QueryError(SYNTAX_ERRORNO, f"Invalid field '{name}' in query{where}.", correction)


def not_queryable_error(names: Sequence[str], object_name: str = "") -> QueryError:
    """XL03000006 "The following fields cannot be queried: [ vendor: [A, B] ]" [O]."""
    listed = ", ".join(names)
    inner = f"{object_name.lower()}: [{listed}]" if object_name else listed
    return QueryError(
        NOT_QUERYABLE_ERRORNO,
        f"The following fields cannot be queried: [ {inner} ]",
        "Use the lookup function to find the object's queryable fields.",
    )
