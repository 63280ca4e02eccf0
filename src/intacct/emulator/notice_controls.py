"""What :class:`~.server.EmulatorServer` and :class:`~.inprocess.InProcessEmulator`
offer in-process for change notices, as the ``/_emulator/webhooks`` controls do
(:mod:`.store.triggers`, :mod:`.delivery`, :mod:`.store.events`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from intacct.emulator.state import Emulator
from intacct.emulator.store import DEMO_APP
from intacct.emulator.store.triggers import EVENTS

__all__ = ["NoticeControls"]


class NoticeControls:
    """Subscriptions, the webhook sender's pace and its faults, on ``self.emulator``."""

    emulator: Emulator

    def subscribe(
        self,
        company: str,
        object: str,
        *,
        events: Sequence[str] = EVENTS,
        url: str = "",
        client_id: str = DEMO_APP.client_id,
        mode: str = "webhook",
    ) -> dict[str, Any]:
        """As ``POST /_emulator/webhooks``: the subscription, with its ``id``;
        ValueError naming what is wrong."""
        given = {
            "company": company,
            "object": object,
            "events": list(events),
            "url": url,
            "client_id": client_id,
            "mode": mode,
        }
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
