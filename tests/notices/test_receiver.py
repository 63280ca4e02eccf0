"""The webhook receiver (intacct.notices.receiver) served on a socket: a signed
delivery is recorded before it is answered, a redelivery is answered and not recorded
again, and every forged, tampered, replayed, malformed or oversized one is refused with
its reason logged (never a token nor the secret) and nothing recorded."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from intacct.notices import NoticeQueue
from intacct.notices.receiver import NOTICES_PATH, receiver_app

from .deliveries import CLIENT_ID, SECRET, Delivery


@pytest.fixture
def http(queue: NoticeQueue, receiving: Callable[[Any], httpx.Client]) -> httpx.Client:
    return receiving(receiver_app(queue, {CLIENT_ID: SECRET}))


def post(http: httpx.Client, delivery: Delivery, **sent: Any) -> Any:
    content = sent.pop("content", delivery.content())
    headers = {**delivery.headers(), **sent.pop("headers", {})}
    return http.post(NOTICES_PATH, content=content, headers=headers)


def test_a_delivery_is_kept_then_answered_and_a_redelivery_is_not_kept_twice(
    http: httpx.Client, queue: NoticeQueue
) -> None:
    delivery = Delivery()
    first = post(http, delivery)
    assert first.status_code == 200 and first.json() == {"recorded": True, "duplicate": False}
    dirty = queue.pending("DEMO")
    assert dirty is not None and dirty.keys == (delivery.key,) and dirty.objects == ("VENDOR",)
    again = post(http, delivery)  # Intacct's retry: the same idempotency key
    assert again.status_code == 200 and again.json() == {"recorded": False, "duplicate": True}
    assert queue.counts() == {"kept": 1, "pending": 1, "consumed": 0}


def _spoiled() -> list[Any]:
    def other_secret() -> Delivery:
        return Delivery(secret="not-the-app-secret")

    def expired() -> Delivery:
        return Delivery(issued=time.time() - 3600)

    def long_lived() -> Delivery:
        return Delivery(lifetime=86_400)

    def other_audience() -> Delivery:
        return Delivery(claims={"aud": "another_app"})

    def other_company() -> Delivery:
        return Delivery(claims={"sub": "ACME"})

    def unknown_app() -> Delivery:
        return Delivery(client_id="another_app")

    return [
        pytest.param(other_secret, {}, 401, "signature", id="forged"),
        pytest.param(expired, {}, 401, "expired", id="replayed-after-expiry"),
        pytest.param(long_lived, {}, 401, "lifetime", id="long-lived"),
        pytest.param(other_audience, {}, 401, "audience", id="other-audience"),
        pytest.param(other_company, {}, 401, "company", id="other-company"),
        pytest.param(unknown_app, {}, 401, "not for an app", id="unknown-app"),
        pytest.param(Delivery, {"headers": {"Authorization": ""}}, 401, "unsigned", id="unsigned"),
        pytest.param(
            Delivery, {"headers": {"X-Trusted-Context": "%%%"}}, 401, "base64", id="context"
        ),
        pytest.param(Delivery, {"headers": {"Idempotency-Key": "other"}}, 400, "jti", id="key"),
        pytest.param(Delivery, {"content": b'{"companyId": "DEMO"}'}, 401, "body", id="tampered"),
    ]


@pytest.mark.parametrize(("make", "sent", "status", "reason"), _spoiled())
def test_a_spoiled_delivery_is_refused_logged_and_never_kept(
    http: httpx.Client,
    queue: NoticeQueue,
    caplog: pytest.LogCaptureFixture,
    make: Any,
    sent: dict[str, Any],
    status: int,
    reason: str,
) -> None:
    delivery = make()
    caplog.set_level(logging.INFO, "intacct.notices")
    answer = post(http, delivery, **sent)
    assert answer.status_code == status and reason in answer.json()["refused"]
    assert queue.counts()["kept"] == 0
    said = caplog.text
    assert reason in said and "refused" in said
    token = delivery.headers()["Authorization"].split()[1]
    assert token not in said and SECRET not in said and token not in answer.text


@pytest.mark.parametrize(
    ("field", "value"),
    [("event", "archive"), ("occurredAt", "yesterday"), ("object", ""), ("key", 12)],
)
def test_a_body_that_is_no_notice_is_refused_naming_the_field(
    http: httpx.Client, queue: NoticeQueue, field: str, value: Any
) -> None:
    delivery = Delivery()
    delivery.body[field] = value
    answer = post(http, delivery)
    assert answer.status_code == 400 and field in answer.json()["refused"]
    assert queue.counts()["kept"] == 0


def test_an_oversized_delivery_is_refused_unread(http: httpx.Client, queue: NoticeQueue) -> None:
    delivery = Delivery()
    delivery.body["padding"] = "x" * 70_000
    answer = post(http, delivery)
    assert answer.status_code == 413 and queue.counts()["kept"] == 0


def test_a_queue_that_cannot_be_written_asks_for_the_delivery_again(
    queue: NoticeQueue, tmp_path: Path, receiving: Callable[[Any], httpx.Client]
) -> None:
    broken = NoticeQueue(tmp_path / "broken.sqlite")
    broken.close()  # every write now fails
    answer = post(receiving(receiver_app(broken, {CLIENT_ID: SECRET})), Delivery())
    assert answer.status_code == 503  # Intacct retries a 503


def test_health(http: httpx.Client) -> None:
    assert http.get("/health").json() == {"ok": True}
