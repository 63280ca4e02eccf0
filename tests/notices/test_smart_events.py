"""The receiver's Smart Event route (POST /intacct/smart-events) served on a socket: a
post carrying the receiver's token is kept before it is answered, a copy of it is kept
once, and one without the token, with another, malformed or oversized is refused with
its reason logged, the token never logged, answered or kept. And the webhook route's
issuer check: refused when the token names another, unchecked when none is known."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from intacct.notices import NoticeQueue
from intacct.notices.receiver import NOTICES_PATH, SMART_EVENTS_PATH, receiver_app

from .deliveries import CLIENT_ID, SECRET, Delivery

TOKEN = "the-receivers-own-token-0f9c2d"
#: in a body only: never logged
MARKER = "MARKER-7731"


def post_body(**changes: Any) -> dict[str, Any]:
    """docs/notices.md's template as a Smart Event posts it, then ``changes`` (None: left out)."""
    body = {
        "token": TOKEN,
        "companyId": "DEMO",
        "object": "VENDOR",
        "event": "update",
        "key": "12",
        "modified": "11/26/2026 04:02:42",
        **changes,
    }
    return {name: value for name, value in body.items() if value is not None}


@pytest.fixture
def http(queue: NoticeQueue, receiving: Callable[[Any], httpx.Client]) -> httpx.Client:
    return receiving(receiver_app(queue, {}, smart_event_token=TOKEN))


def send(http: httpx.Client, body: Any, content_type: str = "text/plain") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(SMART_EVENTS_PATH, content=content, headers={"Content-Type": content_type})


def test_a_post_is_kept_once_and_another_change_again(
    http: httpx.Client, queue: NoticeQueue
) -> None:
    first = send(http, post_body(entityId="E100"))
    assert first.status_code == 200 and first.json() == {"recorded": True, "duplicate": False}
    again = send(http, post_body(entityId="E100"))  # a duplicated or replayed post
    assert again.json() == {"recorded": False, "duplicate": True}
    later = send(http, post_body(modified="11/26/2026 04:03:10"))  # the next change
    deleted = send(http, post_body(event="delete"))
    assert later.json()["recorded"] and deleted.json()["recorded"]
    dirty = queue.pending("DEMO")
    assert dirty is not None and len(dirty.keys) == 3 and dirty.objects == ("VENDOR",)
    assert all(key.startswith("smart-event:") for key in dirty.keys)
    assert dirty.records == 1  # one vendor, three changes


def test_a_form_encoded_post_with_intacct_words_is_read(
    http: httpx.Client, queue: NoticeQueue
) -> None:
    form = f"token={TOKEN}&companyId=DEMO&object=vendor&event=add&key=7&modified=x".encode()
    answer = send(http, form, "application/x-www-form-urlencoded")
    assert answer.status_code == 200 and answer.json()["recorded"]
    dirty = queue.pending("DEMO")
    assert dirty is not None and dirty.objects == ("VENDOR",)


def _refused() -> list[Any]:
    return [
        pytest.param(post_body(token=None), 401, "no token", id="no-token"),
        pytest.param(post_body(token="guess-" + MARKER), 401, "not the receiver's", id="wrong"),
        pytest.param(post_body(token=7), 401, "no token", id="token-not-text"),
        pytest.param(post_body(key=""), 400, "key", id="key-empty"),  # an unknown field
        pytest.param(post_body(modified=None), 400, "modified", id="no-modified"),
        pytest.param(post_body(event="archive"), 400, "event", id="event"),
        pytest.param(post_body(companyId=5), 400, "companyId", id="company"),
        pytest.param(post_body(object=""), 400, "object", id="object"),
        pytest.param(post_body(entityId=["E1"]), 400, "entityId", id="entity"),
        pytest.param(b'{"token": "' + MARKER.encode(), 400, "not JSON", id="not-json"),
        pytest.param(b"\xff" + MARKER.encode(), 400, "UTF-8", id="not-utf8"),
        pytest.param(post_body(padding="x" * 70_000), 413, "over", id="oversized"),
    ]


@pytest.mark.parametrize(("body", "status", "reason"), _refused())
def test_a_bad_post_is_refused_logged_and_never_kept(
    http: httpx.Client,
    queue: NoticeQueue,
    caplog: pytest.LogCaptureFixture,
    body: Any,
    status: int,
    reason: str,
) -> None:
    caplog.set_level(logging.INFO, "intacct.notices")
    if isinstance(body, dict):
        body["note"] = MARKER  # a field of the author's, ignored
    answer = send(http, body)
    assert answer.status_code == status and reason in answer.json()["refused"]
    assert queue.counts()["kept"] == 0
    said = caplog.text
    assert reason in said and "smart event" in said and "refused" in said
    for secret in (TOKEN, MARKER):  # neither the token nor anything of the body
        assert secret not in said and secret not in answer.text


def test_the_token_is_never_kept(http: httpx.Client, queue: NoticeQueue, tmp_path: Path) -> None:
    assert send(http, post_body()).json()["recorded"]
    queue.close()
    for kept in tmp_path.glob("notices.sqlite*"):
        assert TOKEN.encode() not in kept.read_bytes(), kept


def test_without_a_token_every_post_is_refused(
    queue: NoticeQueue, receiving: Callable[[Any], httpx.Client]
) -> None:
    client = receiving(receiver_app(queue, {CLIENT_ID: SECRET}))
    answer = send(client, post_body())
    delivery = Delivery()
    webhook = client.post(NOTICES_PATH, content=delivery.content(), headers=delivery.headers())
    assert answer.status_code == 401 and "no Smart Event token" in answer.json()["refused"]
    assert webhook.status_code == 200  # the app's webhooks are received


def test_without_an_app_every_webhook_is_refused(http: httpx.Client, queue: NoticeQueue) -> None:
    delivery = Delivery()
    answer = http.post(NOTICES_PATH, content=delivery.content(), headers=delivery.headers())
    assert answer.status_code == 401 and "no app configured" in answer.json()["refused"]
    assert queue.counts()["kept"] == 0


ISSUER = "http://127.0.0.1:8089/ia/api/v1"


@pytest.mark.parametrize(
    ("issuer", "claimed", "status"),
    [
        pytest.param(ISSUER, ISSUER, 200, id="right-issuer"),
        pytest.param(ISSUER + "/", ISSUER, 200, id="trailing-slash"),
        pytest.param(ISSUER, "https://elsewhere.example/ia/api/v1", 401, id="other-issuer"),
        pytest.param(ISSUER, None, 401, id="no-issuer"),
        pytest.param(None, "https://elsewhere.example/ia/api/v1", 200, id="unchecked"),
    ],
)
def test_the_webhook_tokens_issuer_is_checked_when_known(
    queue: NoticeQueue,
    receiving: Callable[[Any], httpx.Client],
    caplog: pytest.LogCaptureFixture,
    issuer: str | None,
    claimed: str | None,
    status: int,
) -> None:
    caplog.set_level(logging.INFO, "intacct.notices")
    delivery = Delivery(claims={"iss": claimed})
    client = receiving(receiver_app(queue, {CLIENT_ID: SECRET}, issuer=issuer))
    answer = client.post(NOTICES_PATH, content=delivery.content(), headers=delivery.headers())
    assert answer.status_code == status
    if status == 401:
        named = f"the token's issuer is {claimed}" if claimed else "the token names no issuer"
        assert answer.json()["refused"] == f"{named}, not {ISSUER}"
        assert queue.counts()["kept"] == 0 and "issuer" in caplog.text
