"""Billed API transactions per answered request, by the one rule both sides apply
(:mod:`intacct.protocol.billing`, with its sources): every function the gateway ran,
whatever its status, costs what that rule says; getAPISession, lookup, inspect and the
other session and metadata functions are free."""

from __future__ import annotations

import re

from intacct.emulator.dispatch import Reply
from intacct.emulator.wire import Request
from intacct.protocol import billing

__all__ = ["api_transactions"]

# The gateway writes each result's status right after the <result> tag it opens.
_RESULT_STATUS = re.compile(rb"<result>\s*<status>([a-z]+)</status>")
_RESULT = b"<result>"


def api_transactions(request: Request, reply: Reply) -> int:
    """What one answered request costs the company: the functions that have a result
    (success, failure or aborted: they ran); none when the request was refused whole."""
    if reply.http_status != 200:
        return 0
    xml = reply.media_type.startswith("text/xml")
    # a json/csv answer carries one successful function's data and nothing else
    ran = _results(reply.body) if xml else 1
    return sum(billing.api_transactions(fn.body) for fn in request.functions[:ran])


def _results(body: bytes) -> int:
    """How many results ``body`` holds: each ``<result>`` found by a byte search (a page
    of records is megabytes of markup), then checked to lead a status."""
    count, at = 0, body.find(_RESULT)
    while at != -1:
        count += _RESULT_STATUS.match(body, at) is not None
        at = body.find(_RESULT, at + len(_RESULT))
    return count
