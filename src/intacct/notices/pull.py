"""The puller of Intacct's trigger event queue, for a company that cannot expose an
endpoint to webhooks (portal: guides/events, early adopter): ``GET
services/delivery/event/list`` leases the oldest events, each is kept in the queue
(:class:`.queue.NoticeQueue`, its ``eventId`` the idempotency key, so an event listed
again after its lease is kept once), and only then ``POST
services/delivery/event/acknowledge`` names the ones kept: a crash between the two
leaves them unacknowledged, listed again, never lost. An event that is no notice (a
field missing or wrong) is logged with its reason and acknowledged, not acted on: it
cannot become one. Every call goes through the REST client (one retry policy, one error
table) and costs one API transaction [U: Sage does not say how these are billed].
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from intacct.client.rest import RestApi, RestCall
from intacct.errors import ResponseFormatError
from intacct.notices.delivery import DeliveryRefusedError, notice_from
from intacct.notices.queue import NoticeQueue

__all__ = ["EVENTS_PATH", "pull_once", "pull_until"]

EVENTS_PATH = "/services/delivery/event"
#: events asked for a lease (the service's default page)
_LEASE = 100
log = logging.getLogger("intacct.notices")


def pull_once(api: RestApi, queue: NoticeQueue, client_id: str, size: int = 100) -> tuple[int, int]:
    """One lease of up to ``size`` events kept and acknowledged: how many were listed,
    and how many of them were new to the queue."""
    answer = api.requestor.send(RestCall("GET", f"{EVENTS_PATH}/list", params={"size": str(size)}))
    events = answer.result if isinstance(answer.result, list) else None
    if events is None:
        raise ResponseFormatError("the event list is not a list", http_status=answer.http_status)
    done, new = [], 0
    for event in events:
        event_id = _event_id(event)
        try:
            new += queue.record(notice_from(event, event_id, client_id))
        except DeliveryRefusedError as refused:
            log.warning("event %s is no notice (%s): acknowledged, not acted on", event_id,
                        refused.reason)  # fmt: skip
        done.append(event_id)
    if done:
        _acknowledge(api, done)
    return len(done), new


def pull_until(
    api: RestApi, queue: NoticeQueue, client_id: str, stop: threading.Event, every_s: float
) -> None:
    """Pull until ``stop``: at once again while a lease comes back full, else every
    ``every_s`` seconds."""
    while not stop.is_set():
        listed, new = pull_once(api, queue, client_id, _LEASE)
        if new:
            log.info("%d event(s) kept from the event queue", new)
        if listed < _LEASE:
            stop.wait(every_s)


def _event_id(event: Any) -> str:
    if not isinstance(event, Mapping) or not isinstance(event.get("eventId"), str):
        raise ResponseFormatError("an event of the list has no eventId", http_status=200)
    return str(event["eventId"])


def _acknowledge(api: RestApi, event_ids: Sequence[str]) -> None:
    body = {"eventIds": list(event_ids)}
    # acknowledging twice is harmless: the retry policy may send it again
    call = RestCall("POST", f"{EVENTS_PATH}/acknowledge", body, writes=False)
    api.requestor.send(call)
