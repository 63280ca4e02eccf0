"""RunState.snapshot keeps an unchanged object's entry and rebuilds a changed one's:
after any run of changes it says what to_dict says, and an object nothing changed keeps
the very entry of the snapshot before (a store compares entries by identity first)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from intacct.client.pagination import PageToken
from intacct.replication.state.runstate import RunState

OBJECTS = ("VENDOR", "CUSTOMER", "GLENTRY", "CLASS")
ENTITIES = ("", "E100")


def _token(n: int) -> str:
    return str(PageToken("RECORDNO", n))


#: (object, entity, what changes: a field set, or a range's bounds changed in place)
change = st.tuples(
    st.sampled_from(OBJECTS),
    st.sampled_from(ENTITIES),
    st.sampled_from(("token", "complete", "deletes", "ranges", "range-in-place", "month")),
    st.integers(1, 9),
)


def _apply(state: RunState, obj: str, entity: str, what: str, n: int) -> None:
    stream = state.get(obj, entity)
    if what == "token":
        stream.token = _token(n)
    elif what == "complete":
        stream.complete = not stream.complete
    elif what == "deletes":
        stream.deletes = {"since": f"2026-01-0{n}T00:00:00", "id": str(n)}
    elif what == "ranges":
        stream.ranges = [{"lo": 1, "hi": n * 100, "after": None, "done": False}]
    elif what == "range-in-place" and stream.ranges:
        stream.ranges[0]["after"] = n  # as a range's page moves its bounds
        stream.ranges[0]["done"] = n > 5
        stream.touched()
    elif what == "month":
        stream.month = f"2026-0{n}-01"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(change, max_size=4), min_size=1, max_size=12))
def test_a_snapshot_is_the_state_and_keeps_what_did_not_change(
    batches: list[list[tuple[str, str, str, int]]],
) -> None:
    state = RunState()
    before: dict[str, Any] | None = None
    for batch in batches:
        for obj, entity, what, n in batch:
            _apply(state, obj, entity, what, n)
        now = state.snapshot()
        assert now == state.to_dict()
        if before is not None:
            changed = {obj for obj, _, _, _ in batch}
            for obj in set(before["streams"]) - changed:
                assert now["streams"][obj] is before["streams"][obj], obj
        before = now


def test_a_state_read_back_snapshots_as_it_was_read() -> None:
    data = {
        "version": 1,
        "company": "DEMO",
        "streams": {"VENDOR": {"": {"token": _token(1), "complete": True}}},
    }
    state = RunState.from_dict(data)
    assert state.snapshot() == data
    state.get("VENDOR", "").complete = False
    assert state.snapshot()["streams"]["VENDOR"] == {"": {"token": _token(1)}}
