"""Change notices from Intacct (issue 37): webhook deliveries verified
(:mod:`.delivery`), Smart Event posts checked (:mod:`.smart_event`), kept durably until a
read covers them (:mod:`.queue`), received by an ASGI app (:mod:`.receiver`). A notice
marks an object of a company dirty; the engine's incremental read stays the truth
(``intacct sync --follow``, the Dagster sensor)."""

from intacct.notices.delivery import DeliveryRefusedError, Notice, read_delivery
from intacct.notices.queue import Dirty, NoticeQueue
from intacct.notices.smart_event import read_smart_event

# the receiver (Starlette) is imported from intacct.notices.receiver by what serves it:
# intacct sync --follow reads the queue without loading a web framework
__all__ = [
    "DeliveryRefusedError",
    "Dirty",
    "Notice",
    "NoticeQueue",
    "read_delivery",
    "read_smart_event",
]
