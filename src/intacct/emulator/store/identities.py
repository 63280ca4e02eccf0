"""Who may call: senders, companies and their entities, users, registered OAuth apps.

They change only through ``add_*``/``configure_company``/``configure_user``/``reset``, so
lookups are cached (the gateway checks sender, company and user on every request). The
setup mistakes ``intacct doctor`` diagnoses are flags here: a company without the Web
Services subscription or an expired demo company, a user without Web Services access or
without a module's permissions (``denied_modules``).
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intacct.emulator.store.database import Database

__all__ = [
    "DATE_FORMATS",
    "DEMO_APP",
    "DEMO_SENDER",
    "DEMO_USER",
    "RESTRICTED_USER",
    "Company",
    "Identities",
    "OAuthApp",
    "User",
]

DEMO_SENDER = ("demo_sender", "demo-sender-password")
#: user date formats the emulator can render (Intacct's UI offers these orders)
DATE_FORMATS = ("%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d")
DEMO_USER = ("demo_user", "demo-user-password")
RESTRICTED_USER = ("demo_restricted", "demo-user-password")


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """An app registered for Intacct's REST API (Sage's app registry): its client id and
    secret, the redirect URIs the authorization code flow may return to, and the Web
    Services sender ID it belongs to; a company lets it in by authorizing that sender."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    senderid: str
    name: str = ""


DEMO_APP = OAuthApp(
    "demo_client_id",
    "demo-client-secret",
    ("http://127.0.0.1/callback",),  # any port: a loopback redirect (RFC 8252 7.3)
    DEMO_SENDER[0],
    "Demo app",
)


@dataclass(frozen=True, slots=True)
class Company:
    id: str
    name: str
    multi_entity: bool
    date_format: str = "%m/%d/%Y"
    timezone: str = "America/Los_Angeles"
    session_minutes: int = 480
    web_services: bool = True  # subscribed to Web Services (the XML gateway)
    expired: bool = False  # a demo company past its end


@dataclass(frozen=True, slots=True)
class User:
    company: str
    userid: str
    recordno: int
    denied_modules: frozenset[str] = frozenset()
    web_services: bool = True  # may sign in through Web Services


_SCHEMA = """
CREATE TABLE IF NOT EXISTS companies (id TEXT PRIMARY KEY, name TEXT, multi_entity INTEGER,
    date_format TEXT, timezone TEXT, session_minutes INTEGER, web_services INTEGER DEFAULT 1,
    expired INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS entities (company TEXT, locationid TEXT, name TEXT, recordno INTEGER,
    PRIMARY KEY (company, locationid));
CREATE TABLE IF NOT EXISTS users (company TEXT, userid TEXT, password TEXT, recordno INTEGER,
    denied_modules TEXT, web_services INTEGER DEFAULT 1, PRIMARY KEY (company, userid));
CREATE TABLE IF NOT EXISTS senders (senderid TEXT PRIMARY KEY, password TEXT, companies TEXT);
CREATE TABLE IF NOT EXISTS oauth_apps (client_id TEXT PRIMARY KEY, client_secret TEXT,
    redirect_uris TEXT, senderid TEXT, name TEXT);
"""
_TABLES = ("companies", "entities", "users", "senders", "oauth_apps")
#: columns added after the first release, for databases (``--db``) made before them
_ADDED = (
    ("companies", "web_services", "INTEGER DEFAULT 1"),
    ("companies", "expired", "INTEGER DEFAULT 0"),
    ("users", "web_services", "INTEGER DEFAULT 1"),
)
_COMPANY_SETTINGS = ("date_format", "timezone", "session_minutes", "web_services", "expired")
_USER_SETTINGS = ("denied_modules", "web_services")


class Identities:
    """Senders, companies, entities and users of one emulator."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._cache: dict[tuple[str, ...], Any] = {}
        #: changes made so far: a lookup read before a change is not cached after it
        self._changes = 0
        with database.write_lock:
            database.conn.executescript(_SCHEMA)
            for table, column, kind in _ADDED:
                have = {row[1] for row in database.conn.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    database.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def reset(self) -> None:
        with self._changing() as conn:
            for table in _TABLES:
                conn.execute(f"DELETE FROM {table}")

    @contextmanager
    def _changing(self) -> Iterator[sqlite3.Connection]:
        """A change's transaction, the lookups' cache emptied once it is committed: a
        request thread that looked up between an emptying before it and the commit
        kept the old row cached for good (a user locked out went on reading)."""
        try:
            with self._db.transaction() as conn:
                yield conn
        finally:
            self._changes += 1
            self._cache.clear()

    # -- changes ----------------------------------------------------------------------

    def add_company(self, company: Company, entities: Sequence[tuple[str, str]] = ()) -> None:
        with self._changing() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO companies (id, name, multi_entity, date_format, "
                "timezone, session_minutes, web_services, expired) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    company.id,
                    company.name,
                    int(company.multi_entity),
                    company.date_format,
                    company.timezone,
                    company.session_minutes,
                    int(company.web_services),
                    int(company.expired),
                ),
            )
            for n, (locationid, name) in enumerate(entities, start=1):
                conn.execute(
                    "INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?)",
                    (company.id, locationid, name, n),
                )

    def configure_company(self, company_id: str, **changes: Any) -> Company:
        """Change date format, time zone or session length of a company, or its state:
        ``web_services`` (subscribed to the XML gateway) and ``expired`` (a demo company
        past its end). Stored times are wall-clock times: a new time zone applies to
        records written from then on, the stored ones (the seed's history included) keep
        the times they show."""
        current = self.company(company_id)
        if current is None:
            raise ValueError(f"no company {company_id!r}")
        _check_settings(changes, _COMPANY_SETTINGS)
        for flag in ("web_services", "expired"):
            if flag in changes:
                changes[flag] = _flag(flag, changes[flag])
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
        with self._changing() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO users (company, userid, password, recordno, "
                "denied_modules) VALUES (?, ?, ?, ?, ?)",
                (company, userid, password, recordno, ",".join(denied_modules)),
            )

    def configure_user(self, company_id: str, userid: str, **changes: Any) -> User:
        """Change what a user may do: ``web_services`` (may sign in through Web Services)
        and ``denied_modules`` (modules its role grants no permission on, e.g. ``["AP"]``)."""
        found = self._user_row(company_id, userid)
        if found is None:
            raise ValueError(f"no user {userid!r} in company {company_id!r}")
        _check_settings(changes, _USER_SETTINGS)
        user, _ = found
        if "web_services" in changes:
            changes["web_services"] = _flag("web_services", changes["web_services"])
        if "denied_modules" in changes:
            modules = changes["denied_modules"]
            if isinstance(modules, str) or not all(isinstance(m, str) for m in modules):
                raise ValueError("denied_modules must be a list of module names such as 'AP'")
            changes["denied_modules"] = frozenset(m.upper() for m in modules)
        updated = replace(user, **changes)
        with self._changing() as conn:
            conn.execute(
                "UPDATE users SET denied_modules = ?, web_services = ? "
                "WHERE company = ? AND userid = ?",
                (
                    ",".join(sorted(updated.denied_modules)),
                    int(updated.web_services),
                    company_id,
                    userid,
                ),
            )
        return updated

    def add_sender(self, senderid: str, password: str, companies: Iterable[str]) -> None:
        with self._changing() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO senders VALUES (?, ?, ?)",
                (senderid, password, ",".join(companies)),
            )

    def authorize_sender(self, senderid: str, companies: Iterable[str]) -> set[str]:
        """The companies ``senderid`` may call (Company > Web Services authorizations):
        a company left out answers "not authorized" as Intacct does."""
        found = self.sender(senderid)
        if found is None:
            raise ValueError(f"no sender {senderid!r}")
        names = list(companies)
        if isinstance(companies, str) or not all(isinstance(c, str) for c in names):
            raise ValueError("companies must be a list of company ids such as 'DEMO'")
        unknown = [c for c in names if self.company(c) is None]
        if unknown:
            raise ValueError(f"no company {unknown[0]!r}")
        self.add_sender(senderid, found[0], names)
        return set(names)

    def add_app(self, app: OAuthApp) -> None:
        """Register (or replace) an OAuth app; its sender must exist."""
        if self.sender(app.senderid) is None:
            raise ValueError(f"no sender {app.senderid!r}")
        with self._changing() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO oauth_apps VALUES (?, ?, ?, ?, ?)",
                (
                    app.client_id,
                    app.client_secret,
                    "\n".join(app.redirect_uris),  # a URI holds no line break
                    app.senderid,
                    app.name,
                ),
            )

    def remove_app(self, client_id: str) -> bool:
        with self._changing() as conn:
            gone = conn.execute("DELETE FROM oauth_apps WHERE client_id = ?", (client_id,))
        return bool(gone.rowcount > 0)

    # -- lookups ----------------------------------------------------------------------

    def _cached(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        if key in self._cache:
            return self._cache[key]
        changes = self._changes
        value = load()
        if changes == self._changes:  # else it may be a row from before a change
            self._cache[key] = value
        return value

    def company(self, company_id: str) -> Company | None:
        def load() -> Company | None:
            row = self._db.conn.execute(
                "SELECT id, name, multi_entity, date_format, timezone, session_minutes, "
                "web_services, expired FROM companies WHERE id = ?",
                (company_id,),
            ).fetchone()
            if row is None:
                return None
            return Company(
                row[0], row[1], bool(row[2]), row[3], row[4], row[5], bool(row[6]), bool(row[7])
            )

        result: Company | None = self._cached(("company", company_id), load)
        return result

    def companies(self) -> list[Company]:
        ids = [r[0] for r in self._db.conn.execute("SELECT id FROM companies ORDER BY id")]
        return [c for c in map(self.company, ids) if c is not None]

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

    def authorizes(self, senderid: str, company: str) -> bool:
        """Whether ``company`` authorized ``senderid`` (Company > Security > Web Services
        authorizations): the one rule for the XML gateway and for OAuth apps."""
        sender = self.sender(senderid)
        return sender is not None and ("*" in sender[1] or company in sender[1])

    def app(self, client_id: str) -> OAuthApp | None:
        def load() -> OAuthApp | None:
            row = self._db.conn.execute(
                "SELECT client_id, client_secret, redirect_uris, senderid, name "
                "FROM oauth_apps WHERE client_id = ?",
                (client_id,),
            ).fetchone()
            if row is None:
                return None
            return OAuthApp(row[0], row[1], tuple(filter(None, row[2].split("\n"))), row[3], row[4])

        result: OAuthApp | None = self._cached(("app", client_id), load)
        return result

    def apps(self) -> list[OAuthApp]:
        ids = [r[0] for r in self._db.conn.execute("SELECT client_id FROM oauth_apps ORDER BY 1")]
        return [a for a in map(self.app, ids) if a is not None]

    def _user_row(self, company_id: str, userid: str) -> tuple[User, str] | None:
        def load() -> tuple[User, str] | None:
            row = self._db.conn.execute(
                "SELECT recordno, denied_modules, password, web_services FROM users "
                "WHERE company = ? AND userid = ?",
                (company_id, userid),
            ).fetchone()
            if row is None:
                return None
            denied = frozenset(filter(None, row[1].split(",")))
            return User(company_id, userid, row[0], denied, bool(row[3])), row[2]

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


def _check_settings(changes: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _flag(name: str, value: object) -> bool:
    """A JSON boolean (the control API passes parsed JSON); anything else is a 400."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, not {value!r}")
    return value


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
