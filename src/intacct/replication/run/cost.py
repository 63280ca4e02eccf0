"""What a run costs in API transactions, as Intacct bills them
(:mod:`intacct.protocol.billing`): counted per stream while it runs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from intacct.errors import IntacctError
from intacct.protocol import functions as fn
from intacct.protocol.billing import api_transactions
from intacct.replication.streams.planning import Answer

if TYPE_CHECKING:
    from intacct.client import IntacctClient
    from intacct.replication.contract import StreamResult
    from intacct.replication.run.context import RunContext

__all__ = ["billed", "metered", "run_part"]


class _Costed(Protocol):
    transactions: int


def metered(
    client: IntacctClient, result: _Costed, lock: threading.Lock, part: Callable[[], None]
) -> None:
    """Run ``part`` and add what its calls cost to ``result.transactions`` (the client's
    meter sees retries and failed functions as Intacct counts them)."""
    with client.meter() as meter:
        try:
            part()
        finally:
            with lock:
                result.transactions += meter.transactions


class _Part(Protocol):
    """What a stream has that running one of its parts needs."""

    client: IntacctClient
    result: StreamResult
    context: RunContext

    def fail(self, exc: IntacctError) -> None: ...


def run_part(stream: _Part, part: Callable[[], None]) -> None:
    """One part of ``stream``, metered; an error fails the stream alone (the others go
    on), and a failed stream or a stopped run runs nothing more."""
    if stream.result.error is not None or stream.context.stopped:
        return
    try:
        metered(stream.client, stream.result, stream.context.lock, part)
    except IntacctError as exc:
        stream.fail(exc)


def billed(calls: Sequence[fn.Function], replies: Sequence[Answer]) -> int:
    """What batched questions cost: each function that was answered (a request that
    failed whole ran none of them)."""
    return sum(
        api_transactions(call.to_xml())
        for call, reply in zip(calls, replies, strict=True)
        if not isinstance(reply, IntacctError)
    )
