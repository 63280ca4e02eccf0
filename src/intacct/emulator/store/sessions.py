"""Live sessions and readMore cursors: in memory, as the gateway keeps them.

Both maps are shared by every request thread, so each is guarded by its own lock
(a cursor sweep iterates while other threads open cursors).
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.store.identities import Company, User

__all__ = ["Cursor", "LockedMap", "Scope", "Session", "SessionState"]

K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class Session:
    sessionid: str
    company: str
    userid: str
    locationid: str
    expires: float


@dataclass(frozen=True, slots=True)
class Scope:
    """Who is asking: company, entity ('' = top level), user."""

    company: str
    entity: str
    user: User
    showprivate: bool = False
    #: a query (``query``, ``readByQuery``/``readMore``): it reads the company's replica,
    #: which may lag behind its writes (:mod:`.replica`)
    replica: bool = False


@dataclass(slots=True)
class Cursor:
    """A readByQuery result set continued by readMore (keyset on the undefined order's
    position, see ``records.order_key``)."""

    result_id: str
    scope: Scope
    obj: ObjectDef
    fields: list[str]
    where: str
    params: list[Any]
    pagesize: int
    total: int
    remaining: int
    after: int = -1
    #: the session that made it ('' for a login-authenticated request)
    sessionid: str = ""
    touched: float = field(default_factory=time.monotonic)

    def owned_by(self, scope: Scope, sessionid: str = "") -> bool:
        """Whether ``scope`` (in session ``sessionid``) may continue this cursor: the
        company, entity and user that made it, and its session when both requests ran in
        one. [U] Intacct does not document the binding; sdk-php's QueryClient continues
        cursors across login-authenticated requests (each a new session), so a cursor
        made by login auth stays with its user and entity."""
        mine = self.scope
        if (scope.company, scope.entity, scope.user.userid) != (
            mine.company,
            mine.entity,
            mine.user.userid,
        ):
            return False
        return not (self.sessionid and sessionid) or self.sessionid == sessionid


class LockedMap(Generic[K, V]):
    """A dict whose every operation holds one lock."""

    def __init__(self) -> None:
        self._items: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._items.get(key)

    def __getitem__(self, key: K) -> V:
        with self._lock:
            return self._items[key]

    def __setitem__(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[K]:
        with self._lock:
            return iter(list(self._items))

    def pop(self, key: K, default: V | None = None) -> V | None:
        with self._lock:
            return self._items.pop(key, default)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def discard_if(self, stale: Callable[[V], bool]) -> None:
        """Drop every value ``stale`` says is stale, in one sweep."""
        with self._lock:
            for key in [k for k, v in self._items.items() if stale(v)]:
                del self._items[key]


class SessionState:
    """Sessions (sliding timeout per company) and cursors (idle lifetime)."""

    def __init__(self, company: Callable[[str], Company | None]) -> None:
        self._company = company
        self.sessions: LockedMap[str, Session] = LockedMap()
        self.cursors: LockedMap[str, Cursor] = LockedMap()
        self.cursor_ttl_s = 15 * 60.0  # [U] resultId lifetime is undocumented

    def clear(self) -> None:
        self.sessions.clear()
        self.cursors.clear()

    def open_session(self, company: Company, userid: str, locationid: str) -> Session:
        session = Session(
            sessionid=secrets.token_urlsafe(24) + "..",
            company=company.id,
            userid=userid,
            locationid=locationid,
            expires=time.time() + company.session_minutes * 60,
        )
        self.sessions[session.sessionid] = session
        return session

    def touch_session(self, sessionid: str) -> Session | None:
        """The live session, its sliding timeout pushed forward; None if unknown/expired."""
        session = self.sessions.get(sessionid)
        if session is None:
            return None
        now = time.time()
        if now >= session.expires:
            self.sessions.pop(sessionid)
            return None
        company = self._company(session.company)
        minutes = company.session_minutes if company else 60
        session.expires = now + minutes * 60
        return session

    def new_cursor(self, cursor_args: dict[str, Any]) -> Cursor:
        self._expire_cursors()
        result_id = uuid.uuid4().hex[:10] + secrets.token_urlsafe(18)
        cursor = Cursor(result_id=result_id, **cursor_args)
        self.cursors[result_id] = cursor
        return cursor

    def cursor(self, result_id: str) -> Cursor | None:
        self._expire_cursors()
        cursor = self.cursors.get(result_id)
        if cursor is not None:
            cursor.touched = time.monotonic()
        return cursor

    def _expire_cursors(self) -> None:
        deadline = time.monotonic() - self.cursor_ttl_s
        self.cursors.discard_if(lambda c: c.touched < deadline)
