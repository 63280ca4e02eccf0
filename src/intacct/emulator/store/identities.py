"""Who may call: senders, companies and their entities, users.

They change only through ``add_*``/``configure_company``/``reset``, so lookups are cached
(the gateway checks sender, company and user on every request).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intacct.emulator.store.database import Database

__all__ = [
    "DATE_FORMATS",
    "DEMO_SENDER",
    "DEMO_USER",
    "RESTRICTED_USER",
    "Company",
    "Identities",
    "User",
]

DEMO_SENDER = ("demo_sender", "demo-sender-password")
#: user date formats the emulator can render (Intacct's UI offers these orders)
DATE_FORMATS = ("%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d")
DEMO_USER = ("demo_user", "demo-user-password")
RESTRICTED_USER = ("demo_restricted", "demo-user-password")


@dataclass(frozen=True, slots=True)
class Company:
    id: str
    name: str
    multi_entity: bool
    date_format: str = "%m/%d/%Y"
    timezone: str = "America/Los_Angeles"
    session_minutes: int = 480


@dataclass(frozen=True, slots=True)
class User:
    company: str
    userid: str
    recordno: int
    denied_modules: frozenset[str] = frozenset()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS companies (id TEXT PRIMARY KEY, name TEXT, multi_entity INTEGER,
    date_format TEXT, timezone TEXT, session_minutes INTEGER);
CREATE TABLE IF NOT EXISTS entities (company TEXT, locationid TEXT, name TEXT, recordno INTEGER,
    PRIMARY KEY (company, locationid));
CREATE TABLE IF NOT EXISTS users (company TEXT, userid TEXT, password TEXT, recordno INTEGER,
    denied_modules TEXT, PRIMARY KEY (company, userid));
CREATE TABLE IF NOT EXISTS senders (senderid TEXT PRIMARY KEY, password TEXT, companies TEXT);
"""
_TABLES = ("companies", "entities", "users", "senders")


class Identities:
    """Senders, companies, entities and users of one emulator."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._cache: dict[tuple[str, ...], Any] = {}
        with database.write_lock:
            database.conn.executescript(_SCHEMA)

    def reset(self) -> None:
        with self._db.transaction() as conn:
            for table in _TABLES:
                conn.execute(f"DELETE FROM {table}")
        self._cache.clear()

    # -- changes ----------------------------------------------------------------------

    def add_company(self, company: Company, entities: Sequence[tuple[str, str]] = ()) -> None:
        self._cache.clear()
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO companies VALUES (?, ?, ?, ?, ?, ?)",
                (
                    company.id,
                    company.name,
                    int(company.multi_entity),
                    company.date_format,
                    company.timezone,
                    company.session_minutes,
                ),
            )
            for n, (locationid, name) in enumerate(entities, start=1):
                conn.execute(
                    "INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?)",
                    (company.id, locationid, name, n),
                )

    def configure_company(self, company_id: str, **changes: Any) -> Company:
        """Change date format, time zone or session length of a company. Stored times are
        wall-clock times: a new time zone applies to records written from then on, the
        stored ones (the seed's history included) keep the times they show."""
        current = self.company(company_id)
        if current is None:
            raise ValueError(f"no company {company_id!r}")
        allowed = {"date_format", "timezone", "session_minutes"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        if "date_format" in changes and changes["date_format"] not in DATE_FORMATS:
            raise ValueError(f"date_format must be one of {DATE_FORMATS}")
        if "timezone" in changes:
            _check_zone(changes["timezone"])
        if "session_minutes" in changes and not 1 <= int(changes["session_minutes"]) <= 1440:
            raise ValueError("session_minutes must be between 1 and 1440")
        updated = replace(current, **changes)
        self.add_company(updated, [(e[0], e[1]) for e in self.entities(company_id)])
        return updated

    def add_user(
        self,
        company: str,
        userid: str,
        password: str,
        recordno: int,
        denied_modules: Iterable[str] = (),
    ) -> None:
        self._cache.clear()
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?)",
                (company, userid, password, recordno, ",".join(denied_modules)),
            )

    def add_sender(self, senderid: str, password: str, companies: Iterable[str]) -> None:
        self._cache.clear()
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO senders VALUES (?, ?, ?)",
                (senderid, password, ",".join(companies)),
            )

    # -- lookups ----------------------------------------------------------------------

    def _cached(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def company(self, company_id: str) -> Company | None:
        def load() -> Company | None:
            row = self._db.conn.execute(
                "SELECT * FROM companies WHERE id = ?", (company_id,)
            ).fetchone()
            return Company(row[0], row[1], bool(row[2]), row[3], row[4], row[5]) if row else None

        result: Company | None = self._cached(("company", company_id), load)
        return result

    def entities(self, company_id: str) -> list[tuple[str, str, int]]:
        return self._db.conn.execute(
            "SELECT locationid, name, recordno FROM entities WHERE company = ? ORDER BY recordno",
            (company_id,),
        ).fetchall()

    def entity_name(self, company_id: str, locationid: str) -> str | None:
        row = self._db.conn.execute(
            "SELECT name FROM entities WHERE company = ? AND locationid = ?",
            (company_id, locationid),
        ).fetchone()
        return row[0] if row else None

    def sender(self, senderid: str) -> tuple[str, set[str]] | None:
        def load() -> tuple[str, set[str]] | None:
            row = self._db.conn.execute(
                "SELECT password, companies FROM senders WHERE senderid = ?", (senderid,)
            ).fetchone()
            return (row[0], set(filter(None, row[1].split(",")))) if row else None

        result: tuple[str, set[str]] | None = self._cached(("sender", senderid), load)
        return result

    def _user_row(self, company_id: str, userid: str) -> tuple[User, str] | None:
        def load() -> tuple[User, str] | None:
            row = self._db.conn.execute(
                "SELECT recordno, denied_modules, password FROM users WHERE company = ? "
                "AND userid = ?",
                (company_id, userid),
            ).fetchone()
            if row is None:
                return None
            denied = frozenset(filter(None, row[1].split(",")))
            return User(company_id, userid, row[0], denied), row[2]

        result: tuple[User, str] | None = self._cached(("user", company_id, userid), load)
        return result

    def login(self, company_id: str, userid: str, password: str) -> User | None:
        found = self._user_row(company_id, userid)
        # compare bytes: compare_digest refuses non-ASCII str
        if found is None or not secrets.compare_digest(found[1].encode(), password.encode()):
            return None
        return found[0]

    def user(self, company_id: str, userid: str) -> User | None:
        found = self._user_row(company_id, userid)
        return found[0] if found else None

    def user_by_recordno(self, company_id: str, recordno: int) -> User | None:
        row = self._db.conn.execute(
            "SELECT userid FROM users WHERE company = ? AND recordno = ?", (company_id, recordno)
        ).fetchone()
        return self.user(company_id, row[0]) if row else None


def _check_zone(name: object) -> None:
    """An IANA time zone name this machine knows; ValueError (HTTP 400) otherwise."""
    known = False
    if isinstance(name, str):
        try:
            known = ZoneInfo(name) is not None
        except (ZoneInfoNotFoundError, ValueError):
            known = False
    if not known:
        raise ValueError(
            f"timezone must be an IANA time zone name such as 'Europe/London', not {name!r}"
        )
