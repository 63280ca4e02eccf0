"""A SQL store reads every table's columns at once, at its first lookup; a table it
makes or alters afterwards is read on its own, so a table prepared again in the same
run (a new custom field: a new column) sees what the run did to it."""

from __future__ import annotations

import pytest

from intacct.destinations import open_destination
from intacct.destinations.tables import Column, Table
from intacct.replication import ENTITY_ID
from tests.sync.stores import Store


def table(name: str, *fields: str) -> Table:
    columns = (Column("RECORDNO", "BIGINT"), *(Column(f, "VARCHAR") for f in fields))
    return Table(name, (*columns, Column(ENTITY_ID, "VARCHAR")), ("RECORDNO", ENTITY_ID))


@pytest.fixture
def store(sql_store: Store) -> Store:
    return sql_store


def test_a_table_prepared_again_sees_what_the_run_made(store: Store) -> None:
    destination = open_destination(store.where)
    try:
        assert destination.prepare(table("VENDOR", "NAME")) == []
        assert destination.prepare(table("CLASS", "NAME")) == []
        assert destination.prepare(table("VENDOR", "NAME", "TERMNAME")) == ["TERMNAME"]
        assert destination.prepare(table("VENDOR", "NAME", "TERMNAME", "ONHOLD")) == ["ONHOLD"]
        assert destination.prepare(table("CLASS", "NAME")) == []
        assert list(destination.table_columns("VENDOR")) == [
            "RECORDNO", "NAME", ENTITY_ID, "TERMNAME", "ONHOLD"
        ]  # fmt: skip
    finally:
        destination.close()


def test_the_tables_of_an_earlier_run_are_read_at_once(store: Store) -> None:
    destination = open_destination(store.where)
    for name in ("VENDOR", "CLASS", "DEPARTMENT"):
        destination.prepare(table(name, "NAME"))
    destination.close()
    destination = open_destination(store.where)
    try:
        assert destination.table_columns("NOSUCHTABLE") == {}
        assert destination.prepare(table("CLASS", "NAME")) == []
        assert destination.prepare(table("VENDOR", "NAME", "TERMNAME")) == ["TERMNAME"]
        assert set(destination.table_columns("DEPARTMENT")) == {"RECORDNO", "NAME", ENTITY_ID}
    finally:
        destination.close()
