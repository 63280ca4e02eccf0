"""Run states of many companies in one Postgres table (a shared
:class:`~intacct.replication.StateStore`), for runners whose data lands where the state
cannot go with it (a warehouse through dlt, files) or that keep every company's state in
one place (a fleet).

``intacct_states`` in the URL's schema holds one row per company: its whole run state
(every stream of every entity, as JSON), saved after each page the destination took. A
crash between the page and the save leaves the state one page behind; the next run
reads that page again, which the destination's upsert makes harmless. The store holds
the company's advisory lock while it is open, so two runs of one company never share
it: the second is refused at once.
"""

# ruff: noqa: S608 - SQL here names the schema and table, quoted by q(); values are parameters

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

import psycopg

from intacct.destinations.base import DestinationError
from intacct.destinations.locations import display_url, split_url
from intacct.destinations.postgres import _connect, _first_line, q
from intacct.replication import RunState, StateError

__all__ = ["STATES_TABLE", "PostgresStateStore"]

STATES_TABLE = "intacct_states"


class PostgresStateStore:
    """``company``'s run state in the shared table at ``url`` (see the module docstring)."""

    def __init__(self, url: str, company: str) -> None:
        self.url, self.company = url, company
        self.where = display_url(url)
        self.table = f"{q(split_url(url)[1])}.{q(STATES_TABLE)}"
        self.con = _connect(url)
        self._key = f"intacct state:{split_url(url)[1]}:{company}"
        try:
            row = self.con.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [self._key]
            ).fetchone()
            if not (row and row[0]):
                raise DestinationError(
                    f"another run of company {company} holds its state in {self.where}; "
                    "wait for it to finish"
                )
            self._run(f"CREATE SCHEMA IF NOT EXISTS {q(split_url(url)[1])}")
            self._run(
                f"CREATE TABLE IF NOT EXISTS {self.table} (company text PRIMARY KEY, "
                "state jsonb NOT NULL, saved_at timestamptz NOT NULL DEFAULT now())"
            )
        except BaseException:
            self.con.close()
            raise

    def load(self) -> RunState:
        row = self.con.execute(
            f"SELECT state FROM {self.table} WHERE company = %s", [self.company]
        ).fetchone()
        try:
            return RunState.from_dict(row[0] if row else None)
        except StateError as exc:
            raise StateError(f"state of {self.company} in {self.where}: {exc}") from None

    def save(self, state: Mapping[str, Any]) -> None:
        self._run(
            f"INSERT INTO {self.table} (company, state) VALUES (%s, %s) ON CONFLICT (company) "
            "DO UPDATE SET state = EXCLUDED.state, saved_at = now()",
            [self.company, json.dumps(state)],
        )

    def close(self) -> None:
        """Closed, the company's lock let go of first."""
        if not self.con.closed:
            with contextlib.suppress(psycopg.Error):
                self.con.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
                                 [self._key])  # fmt: skip
        self.con.close()

    def __enter__(self) -> PostgresStateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, statement: str, values: list[Any] | None = None) -> None:
        try:
            self.con.execute(statement, values)
        except psycopg.Error as exc:
            raise DestinationError(
                f"could not write the state of {self.company} to {self.where}: "
                f"{_first_line(exc, self.url)}"
            ) from None
