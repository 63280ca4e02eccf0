"""The run state as rows of ``_intacct_state``: ``run`` holds all but the streams'
entries, ``run/<object>`` one object's (its entities' bookmarks). A page stores the state
after it, and a page moves one object: rewriting only that object's row costs the same
whatever the number of objects, where the whole state as one value (one row, as before)
was rewritten every page (641 objects: ~13% of an ``--objects all`` run's CPU).

A ``run`` row without :data:`IN_ROWS` is a whole state, written by an older version (or
by one after a downgrade): it is read as written, any ``run/`` rows beside it ignored
(they are stale), and the next write replaces it with rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RUN",
    "StatePlan",
    "StateRows",
    "assembled",
    "is_run_row",
    "rows_of",
    "select",
    "value_of",
]

#: the run state's row (its streams' rows are ``run/<object>``)
RUN = "run"
_PREFIX = RUN + "/"
#: the ``run`` row's mark that its streams are the ``run/`` rows beside it
IN_ROWS = "streams_in_rows"


def select(table: str, mark: str, name: str = RUN) -> tuple[str, tuple[str, ...]]:
    """SQL and its parameters: the rows of ``name`` in ``table`` (the run state's, or a
    setting's: ``layout``); ``mark`` is the driver's placeholder."""
    params: tuple[str, ...]
    if name == RUN:
        where, params = f"name = {mark} OR name LIKE {mark}", (RUN, _PREFIX + "%")
    else:
        where, params = f"name = {mark}", (name,)
    return f"SELECT name, value FROM {table} WHERE {where}", params  # noqa: S608 - table quoted


def value_of(rows: Iterable[tuple[str, str]], name: str = RUN) -> Any:
    """What :func:`select`'s rows of ``name`` hold; None when there are none."""
    if name == RUN:
        return assembled(rows)
    texts = [text for _, text in rows]
    return json.loads(texts[0]) if texts else None


def is_run_row(name: str) -> bool:
    """Whether ``name`` is a row of the run state (not a setting's)."""
    return name == RUN or name.startswith(_PREFIX)


def rows_of(state: Mapping[str, Any]) -> dict[str, Any]:
    """The rows of ``state`` as values (row name -> what its row holds, as JSON)."""
    streams = state.get("streams")
    if not isinstance(streams, Mapping):  # none, or not a state at all: one row, as is
        return {RUN: dict(state)}
    rows: dict[str, Any] = {RUN: {**state, "streams": {}, IN_ROWS: True}}
    rows.update((_PREFIX + name, value) for name, value in streams.items())
    return rows


def assembled(rows: Iterable[tuple[str, str]]) -> dict[str, Any] | None:
    """The run state from its stored rows (name, JSON text); None when there is none."""
    found = dict(rows)
    text = found.pop(RUN, None)
    if text is None:
        return None
    state: dict[str, Any] = json.loads(text)
    if not isinstance(state, dict) or not state.pop(IN_ROWS, False):
        return state  # a whole state (an older version's)
    state["streams"] = {name[len(_PREFIX) :]: json.loads(v) for name, v in sorted(found.items())}
    return state


@dataclass(frozen=True)
class StatePlan:
    """What one write of the state changes: rows to write (name -> JSON text), rows to
    delete, and the rows stored once it is committed."""

    write: dict[str, str]
    delete: tuple[str, ...]
    after: dict[str, Any]


class StateRows:
    """The rows of the run state a store holds, as last committed; each write plans
    only what changed against them. ``stored`` is None until read."""

    def __init__(self) -> None:
        self.stored: dict[str, Any] | None = None

    def plan(self, state: Mapping[str, Any]) -> StatePlan:
        """``state``'s rows against those stored (read first: :attr:`stored`)."""
        before = self.stored
        assert before is not None, "the stored rows are read before a plan"
        now = rows_of(state)
        # a snapshot keeps an unchanged object's very entry: identity answers most
        write = {
            n: json.dumps(v)
            for n, v in now.items()
            if n not in before or (before[n] is not v and before[n] != v)
        }
        delete = tuple(sorted(n for n in before if n not in now))
        return StatePlan(write, delete, now)

    def settle(self, plan: StatePlan) -> None:
        """``plan`` was committed: its rows are the stored ones."""
        self.stored = plan.after

    def forget(self) -> None:
        """What is stored is not known (a write undone): read it again before the next."""
        self.stored = None
