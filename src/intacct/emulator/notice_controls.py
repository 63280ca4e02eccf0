"""What :class:`~.server.EmulatorServer` and :class:`~.inprocess.InProcessEmulator`
offer in-process for change notices, as the ``/_emulator/webhooks`` controls do
(:mod:`.store.triggers`, :mod:`.delivery`, :mod:`.smart_events`, :mod:`.store.events`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from intacct.emulator.state import Emulator
from intacct.emulator.store import DEMO_APP
from intacct.emulator.store.triggers import EVENTS, SMART_EVENT

__all__ = ["NoticeControls"]


class NoticeControls:
    """Subscriptions (webhooks, the event queue, Smart Events), the webhook sender's pace
    and its faults, on ``self.emulator``."""

    emulator: Emulator

    def subscribe(
        self,
        company: str,
        object: str,
        *,
        events: Sequence[str] = EVENTS,
        url: str = "",
        client_id: str | None = None,
        mode: str = "webhook",
        body: str | None = None,
    ) -> dict[str, Any]:
        """As ``POST /_emulator/webhooks``: the subscription, with its ``id``;
        ValueError naming what is wrong. ``client_id`` defaults to the demo app's but
        for a Smart Event (``mode="smart_event"``), which takes ``body``, its template,
        and no app."""
        given: dict[str, Any] = {
            "company": company,
            "object": object,
            "events": list(events),
            "url": url,
            "mode": mode,
        }
        if client_id is not None or mode != SMART_EVENT:
            given["client_id"] = DEMO_APP.client_id if client_id is None else client_id
        if body is not None:
            given["body"] = body
        return self.emulator.store.triggers.add(given).as_json()

    def unsubscribe(self, subscription_id: str) -> bool:
        """As ``DELETE /_emulator/webhooks/{id}``: False for an unknown id."""
        return self.emulator.store.triggers.remove(subscription_id)

    def subscriptions(self) -> list[dict[str, Any]]:
        """As ``GET /_emulator/webhooks``."""
        return [s.as_json() for s in self.emulator.store.triggers.listed()]

    def pace_webhooks(self, *, retry_scale: float | None = None) -> dict[str, Any]:
        """As ``POST /_emulator/webhooks/pace``: the retry delays scaled."""
        return self.emulator.webhooks.pace(retry_scale=retry_scale)

    def add_webhook_fault(self, spec: str) -> None:
        """As ``POST /_emulator/webhooks/faults``, e.g. ``lose=1,p=0.3``."""
        self.emulator.webhooks.faults.add(spec)

    def clear_webhook_faults(self) -> None:
        """As ``DELETE /_emulator/webhooks/faults``."""
        self.emulator.webhooks.faults.clear()
