"""A writer waits for its readers: the one rule for a store someone else holds.

DuckDB lets one process write a file and no other process open it meanwhile, not even
read-only, and takes its lock at once or refuses; Postgres makes a table's schema change
wait behind any reader's open transaction of it (and every later reader behind that).
Either way a reader must not end a run: ``intacct sync`` (a schedule, a follower)
says once who holds the store, tries again every moment, and goes on as soon as the
reader lets go, for at most ``lock_wait_s`` (a setting); then it fails naming the
holder and the setting (:class:`~.base.DestinationBusyError`), having stored nothing
it could not finish. The readers' side is docs/sync.md's "Reading while a run goes on".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from intacct.config.keys import DEFAULT_LOCK_WAIT_S
from intacct.destinations.base import DestinationBusyError

__all__ = ["DEFAULT_LOCK_WAIT_S", "wait_for"]

log = logging.getLogger("intacct.destinations")

T = TypeVar("T")

#: the first pause between tries, and the longest: a reader that opens the file for a
#: moment every 0.2 s leaves it free most of the time, and a try costs well under 1 ms
FIRST_PAUSE_S, LONGEST_PAUSE_S = 0.01, 0.1
#: a wait shorter than this is told at INFO (``-v``): a reader opening the file for a
#: moment is no news; one that lasts is told as a warning, once
SHORT_WAIT_S = 1.0


def wait_for(
    attempt: Callable[[], T],
    held_by: Callable[[Exception], str | None],
    *,
    where: str,
    bound_s: float,
    writer: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``attempt()``'s result once it goes through. While it fails because someone
    else holds the store (``held_by`` names who, from the error; None: another error,
    raised at once), it is tried again, for at most ``bound_s`` seconds, then
    :class:`~.base.DestinationBusyError`. The wait is told at INFO, and once as a
    warning when it passes :data:`SHORT_WAIT_S` (``writer``: the waiter writes, so the
    holder is a reader, whom docs/sync.md's readers' rules are for)."""
    began, pause, holder, told = clock(), FIRST_PAUSE_S, None, logging.NOTSET
    while True:
        try:
            result = attempt()
        except Exception as exc:
            held = held_by(exc)
            if held is None:
                raise
            waited = clock() - began
            if waited >= bound_s:
                raise DestinationBusyError(_gave_up(where, held, waited)) from None
            level = logging.WARNING if waited >= SHORT_WAIT_S else logging.INFO
            if level > told:
                log.log(level, _waiting(where, held, bound_s, writer))
                told = level
            holder = held
            time.sleep(min(pause, max(bound_s - waited, 0.0)))
            pause = min(pause * 2, LONGEST_PAUSE_S)
            continue
        if holder is not None:
            waited = clock() - began
            log.log(told, "%s: %s let go after %.1f s; going on", where, holder, waited)
        return result


def _waiting(where: str, holder: str, bound_s: float, writer: bool) -> str:
    readers = (
        '; readers that keep a connection open: see "Reading while a run goes on" in the README'
        if writer
        else ""
    )
    return (
        f"{where} is in use by {holder}: waiting for it to let go (at most {bound_s:g} s, "
        f"lock_wait_s){readers}"
    )


def _gave_up(where: str, holder: str, waited: float) -> str:
    return (
        f"{where} is in use by {holder}, which did not let go in {round(waited, 1):g} s "
        "(lock_wait_s); close it or let it read a snapshot instead (--snapshot), then run "
        "again: every page stored before is kept"
    )
