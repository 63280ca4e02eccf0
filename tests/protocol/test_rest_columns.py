"""Every REST field gets a column every destination keeps as one: distinct once case is
folded or dlt's snake case applied, and no longer than Postgres's 63 bytes (which cuts
longer names silently, so two long names with one 63-byte start were "specified more
than once" in ``--objects all`` into Postgres)."""

from __future__ import annotations

import re

from intacct.protocol.rest_catalog import MAX_COLUMN, RestObject, distinct_columns, rest_catalog


def _folded(column: str) -> set[str]:
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", column)
    return {column.lower(), re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")}


def _problems(path: str, columns: list[str]) -> list[str]:
    found = [f"{path}: {c} is {len(c.encode())} bytes" for c in columns if len(c.encode()) > 63]
    seen: dict[str, str] = {}
    for column in columns:
        for form in _folded(column):
            if form in seen:
                found.append(f"{path}: {column} and {seen[form]} are one column ({form})")
            seen[form] = column
    return found


def test_every_packaged_object_has_distinct_columns_postgres_keeps_whole() -> None:
    found = [
        problem
        for path, obj in rest_catalog().items()
        for problem in _problems(path, [f.column for f in obj.fields.values()])
    ]
    assert found == []


def test_long_names_are_cut_with_a_digest_and_clashes_numbered() -> None:
    start = "projectContractBillingInvoiceSummary.changesApprovedPriorMonth."
    names = [f"{start}additionsAmount", f"{start}deductionsAmount", "scheduleKey", "schedule.key"]
    columns = distinct_columns(names)
    long = [columns[n] for n in names[:2]]
    assert all(len(c) == MAX_COLUMN and c.startswith(start[:40]) for c in long)
    assert long[0] != long[1]
    assert columns == {names[0]: long[0], names[1]: long[1], "schedule.key": "schedule.key__2"}
    assert distinct_columns(["memo"], taken=["MEMO"]) == {"memo": "memo__2"}
    assert distinct_columns(names) == columns  # the same every time: a table's columns stay


def test_an_object_found_at_run_time_gets_the_same_rule() -> None:
    long = "noncontrollingInterestGLAccounts.netIncomeAttributableToNCIGLAccount"
    model = {
        "fields": {"key": {"type": "string"}, "Memo": {"type": "string"}},
        "groups": {"memo": {"fields": {"x": {"type": "string"}}}},
        "refs": {long[:-9]: {"apiObject": "objects/general-ledger/account", "fields": {
            "key": {"type": "string"}, "id": {"type": "string"}}}},
    }  # fmt: skip
    found = RestObject.from_model("platform-apps/nsp::thing", model)
    columns = [f.column for f in found.fields.values()]
    assert _problems(found.path, columns) == []
    assert len(columns) == 5 and any(len(c) == MAX_COLUMN for c in columns)
