"""OAuth 2 grants of the REST API: authorization codes and refresh tokens, in memory as
the gateway keeps its sessions, and the key access tokens are signed with.

Every request thread shares them, so one lock guards both maps: taking a code or a
refresh token checks and spends it in one step (two requests racing with the same
code get one token, the other ``reused``). Times are the emulator's clock
(:mod:`intacct.emulator.clock`, epoch seconds), so a test moves time instead of sleeping.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

__all__ = ["AuthorizationCode", "Grants", "RefreshGrant", "Taken"]


@dataclass(slots=True)
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    company: str
    userid: str
    entity: str
    scope: str
    challenge: str  # PKCE code_challenge ('' when none was given)
    method: str  # S256 or plain
    expires: float
    #: the grant the code starts: tokens issued from it share it, and a replayed code
    #: revokes them (RFC 6749 4.1.2)
    family: str
    used: bool = False


@dataclass(slots=True)
class RefreshGrant:
    token: str
    family: str
    client_id: str
    company: str
    userid: str
    entity: str
    scope: str
    expires: float
    #: issued to a public client (PKCE, no client secret): it refreshes without one
    public: bool
    used: bool = False
    #: issued by client credentials: a refresh checks again that the user is a Web
    #: Services user, as the first sign-in did
    web_services: bool = False


@dataclass(frozen=True, slots=True)
class Taken:
    """What taking a code or refresh token found: the grant (None: unknown, expired,
    issued to another client or revoked) and whether it had been spent before."""

    grant: AuthorizationCode | RefreshGrant | None
    reused: bool = False


class Grants:
    """Live authorization codes and refresh tokens, revoked grant families, and the
    signing key of access tokens (a new one after :meth:`clear`, so a reset emulator
    honours no token it issued before)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._refresh: dict[str, RefreshGrant] = {}
        self._revoked: set[str] = set()
        self.key = secrets.token_bytes(32)

    def clear(self) -> None:
        with self._lock:
            self._codes.clear()
            self._refresh.clear()
            self._revoked.clear()
            self.key = secrets.token_bytes(32)

    def add_code(self, code: AuthorizationCode, now: float) -> None:
        with self._lock:
            # spent and expired codes are kept a while to recognise a replay
            stale = [k for k, c in self._codes.items() if c.expires < now - 3600]
            for key in stale:
                del self._codes[key]
            self._codes[code.code] = code

    def take_code(self, code: str, client_id: str, now: float) -> Taken:
        """Spend ``code`` for ``client_id``. A code of another client is left alone (not
        spent: its own client may still redeem it); a spent one revokes its family."""
        with self._lock:
            found = self._codes.get(code)
            if found is None or found.client_id != client_id:
                return Taken(None)
            if found.used:
                self._revoked.add(found.family)
                return Taken(found, reused=True)
            found.used = True
            if now >= found.expires:
                return Taken(None)
            return Taken(found)

    def add_refresh(self, grant: RefreshGrant, now: float) -> None:
        with self._lock:
            stale = [k for k, g in self._refresh.items() if g.expires < now]
            for key in stale:
                del self._refresh[key]
            self._refresh[grant.token] = grant

    def peek_refresh(self, token: str) -> RefreshGrant | None:
        """The refresh grant of ``token`` as it stands, spending nothing."""
        with self._lock:
            return self._refresh.get(token)

    def take_refresh(self, token: str, client_id: str, now: float) -> Taken:
        """Spend ``token`` for ``client_id`` (rotation: each refresh token works once).
        Presenting a spent one revokes every token of its family."""
        with self._lock:
            found = self._refresh.get(token)
            if found is None or found.client_id != client_id or found.family in self._revoked:
                return Taken(None)
            if found.used:
                self._revoked.add(found.family)
                return Taken(found, reused=True)
            if now >= found.expires:
                return Taken(None)
            found.used = True
            return Taken(found)

    def revoked(self, family: str) -> bool:
        with self._lock:
            return family in self._revoked
