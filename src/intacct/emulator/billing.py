"""API transactions as Intacct bills them (Performance Tiers): one per ``query``,
``readByQuery`` or ``readMore`` call whatever it returns, and one per record created,
updated or deleted whatever the batching (a create of three vendors is three; a bill
with ten lines is one). Checked: the Performance Tier pages and partner write-ups quoted
in intacct-protocol.md "Concurrency and billing"; the choices they leave open are [U]."""

from __future__ import annotations

import re

from intacct.emulator.dispatch import Reply, writes
from intacct.emulator.wire import Function, Request

__all__ = ["api_transactions"]

_READS = frozenset({"query", "readByQuery", "readMore"})
# The gateway writes each result's status right after the <result> tag it opens.
_RESULT_STATUS = re.compile(rb"<result>\s*<status>([a-z]+)</status>")


def api_transactions(request: Request, reply: Reply) -> int:
    """What one answered request costs the company. [U] Only functions that succeeded
    are billed (a failed or rolled-back write wrote nothing); getAPISession, lookup,
    inspect, read and the other reads by key are not in the documented list, so free."""
    if reply.http_status != 200:
        return 0
    if reply.media_type.startswith("text/xml"):
        statuses = [s.decode() for s in _RESULT_STATUS.findall(reply.body)]
    else:  # a json/csv answer carries one successful function's data and nothing else
        statuses = ["success"]
    return sum(
        _units(fn)
        for fn, status in zip(request.functions, statuses, strict=False)
        if status == "success"
    )


def _units(fn: Function) -> int:
    if fn.name in _READS:
        return 1
    if fn.name in ("create", "update"):  # one child element per record, lines included
        return sum(1 for child in fn.body if isinstance(child.tag, str))
    if fn.name == "delete":
        return len([k for k in (fn.body.findtext("keys") or "").split(",") if k.strip()])
    if fn.name == "get_list":  # [U] the 2.1 list call is its query
        return 1
    return 1 if writes(fn.name) else 0  # 2.1 create_*/update_*/delete_*: one record each
