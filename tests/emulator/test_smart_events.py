"""The emulator's Smart Events with an HTTP post action (Intacct's help "Automate
processes with Smart events"), through its public interfaces only: subscriptions of mode
``smart_event`` by the ``/_emulator/webhooks`` control (and in-process), writes through
the XML gateway and the REST API, and a real HTTP receiver recording what is posted: the
template with its injection parameters, once per committed write, one attempt, under the
webhooks' delivery faults."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from intacct.emulator.inprocess import InProcessEmulator

from .rest_support import (
    OBJECTS,
    Receiver,
    aborted_transaction,
    closed_url,
    control,
    create_vendor,
    forget_webhooks,
    ok,
    stats,
    xml,
)

VENDORS = f"{OBJECTS}/accounts-payable/vendor"
FORM = "application/x-www-form-urlencoded"
#: every kind of parameter: lower case, a timestamp, text, no such field, another object
TEMPLATE = (
    '{"token": "s3cret", "key": "{!vendor.recordno!}", "modified": '
    '"{!VENDOR.WHENMODIFIED!}", "id": "{!VENDOR.VENDORID!}", "name": "{!VENDOR.NAME!}", '
    '"none": "{!VENDOR.NO_SUCH_FIELD!}", "other": "{!APBILL.RECORDNO!}"}'
)


@pytest.fixture(autouse=True)
def cleared(http: httpx.Client) -> Iterator[None]:
    """Afterwards no subscription and no delivery fault is left."""
    yield
    forget_webhooks(http)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as found:
        yield found


def smart_event(http: httpx.Client, url: str, **given: Any) -> dict[str, Any]:
    """A Smart Event on DEMO's VENDOR posting ``TEMPLATE`` to ``url`` unless told."""
    asked = {"company": "DEMO", "object": "VENDOR", "events": ["create", "update", "delete"]}
    found: dict[str, Any] = control(
        http, "webhooks", asked | {"url": url, "mode": "smart_event", "body": TEMPLATE} | given
    )
    return found


def changed(before: dict[str, int], name: str, http: httpx.Client) -> int:
    return stats(http).get(name, 0) - before.get(name, 0)


def modified(http: httpx.Client, key: str) -> str:
    """The vendor's WHENMODIFIED as the gateway prints it."""
    read = f"<read><object>VENDOR</object><keys>{key}</keys><fields>WHENMODIFIED</fields></read>"
    return xml(http, read).findtext(".//WHENMODIFIED") or ""


def test_each_committed_write_posts_the_template_injected(
    http: httpx.Client, auth: dict[str, str], receiver: Receiver
) -> None:
    added = smart_event(http, receiver.url)
    assert added["body"] == TEMPLATE and added["client_id"] == ""
    before = stats(http)
    key = create_vendor(http, "SE-ONE")
    created = modified(http, key)
    ok(http.patch(f"{VENDORS}/{key}", json={"name": "renamed"}, headers=auth))
    updated = modified(http, key)
    xml(http, f"<delete><object>VENDOR</object><keys>{key}</keys></delete>")
    got = receiver.wait(3)
    bodies = [json.loads(r.body) for r in got]
    common = {"token": "s3cret", "key": key, "id": "SE-ONE", "none": "", "other": ""}
    assert bodies == [
        common | {"modified": created, "name": "SE-ONE name"},
        common | {"modified": updated, "name": "renamed"},
        common | {"modified": updated, "name": "renamed"},  # the values before the delete
    ]
    assert time.strptime(updated, "%m/%d/%Y %H:%M:%S")  # the gateway's text, not ISO
    for request in got:
        assert request.headers["Content-Type"] == FORM
        assert "Authorization" not in request.headers and "Idempotency-Key" not in request.headers
    time.sleep(0.2)
    assert len(receiver.got) == 3  # the vendor's display contact is not watched
    for name, value in (("attempts", 3), ("delivered", 3), ("failed", 0)):
        assert changed(before, f"smart_event.{name}.DEMO", http) == value, name
    assert changed(before, "webhook.attempts", http) == 0


def test_only_the_events_it_fires_on_post(http: httpx.Client, receiver: Receiver) -> None:
    added = smart_event(http, receiver.url, events=["add"], body="created {!VENDOR.VENDORID!}")
    assert added["events"] == ["create"]  # Intacct's add is our create
    key = create_vendor(http, "SE-ADD")
    xml(http, f"<delete><object>VENDOR</object><keys>{key}</keys></delete>")
    (request,) = receiver.wait(1)
    time.sleep(0.2)
    assert request.body == b"created SE-ADD" and len(receiver.got) == 1


def test_a_failed_post_is_not_sent_again(http: httpx.Client, receiver: Receiver) -> None:
    with Receiver(answers=[500]) as failing:
        smart_event(http, failing.url, events=["create"], body="{!VENDOR.VENDORID!}")
        smart_event(http, closed_url(), events=["create"], body="{!VENDOR.VENDORID!}")
        smart_event(http, receiver.url, events=["create"], body="{!VENDOR.VENDORID!}")
        before = stats(http)
        create_vendor(http, "SE-500")
        create_vendor(http, "SE-NEXT")
        assert [r.body for r in receiver.wait(2)] == [b"SE-500", b"SE-NEXT"]
        assert [r.body for r in failing.wait(2)] == [b"SE-500", b"SE-NEXT"]  # not held
        time.sleep(0.5)
        assert len(failing.got) == 2
    assert changed(before, "smart_event.attempts", http) == 6
    assert changed(before, "smart_event.failed", http) == 3  # the 500 and two refusals
    assert changed(before, "smart_event.delivered", http) == 3
    assert changed(before, "webhook.given_up", http) == 0


def test_the_delivery_faults_apply(http: httpx.Client, receiver: Receiver) -> None:
    smart_event(http, receiver.url, events=["create"], body="{!VENDOR.VENDORID!}")
    before = stats(http)
    for n, spec in enumerate((b"duplicate=1,times=1", b"lose=1,times=1", b"reorder=1,times=1")):
        assert http.post("/_emulator/webhooks/faults", content=spec).is_success
        create_vendor(http, f"SE-F{n}")
    create_vendor(http, "SE-F3")
    got = receiver.wait(4)
    time.sleep(0.3)
    # F0 twice, F1 lost, F2 held until F3 has gone
    assert [r.body for r in got] == [b"SE-F0", b"SE-F0", b"SE-F3", b"SE-F2"]
    assert len(receiver.got) == 4
    for name in ("duplicated", "lost", "reordered"):
        assert changed(before, f"smart_event.{name}.DEMO", http) == 1, name


def test_a_rolled_back_write_posts_nothing(http: httpx.Client, receiver: Receiver) -> None:
    create_vendor(http, "SE-TAKEN")
    smart_event(http, receiver.url, events=["create"], body="{!VENDOR.VENDORID!}")
    aborted_transaction(http, "SE-ROLLED", "SE-TAKEN")
    create_vendor(http, "SE-AFTER")
    receiver.wait(1)
    time.sleep(0.3)
    assert [r.body for r in receiver.got] == [b"SE-AFTER"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"body": None}, "give"),
        ({"body": ""}, "body"),
        ({"body": 42}, "body"),
        ({"body": "x" * 16_385}, "body"),
        ({"client_id": "demo_client_id"}, "client_id"),
        ({"url": None}, "give"),
        ({"url": "ftp://example.test"}, "url"),
        ({"events": ["upsert"]}, "events"),
        ({"object": "NOTANOBJECT"}, "NOTANOBJECT"),
        ({"mode": "webhook", "client_id": "demo_client_id"}, "body"),
    ],
)
def test_a_bad_smart_event_is_refused(
    http: httpx.Client, change: dict[str, Any], named: str
) -> None:
    asked = {
        "company": "DEMO",
        "object": "VENDOR",
        "events": ["create"],
        "url": "https://example.test/hook",
        "mode": "smart_event",
        "body": TEMPLATE,
        **change,
    }
    answer = http.post(
        "/_emulator/webhooks", json={k: v for k, v in asked.items() if v is not None}
    )
    assert answer.status_code == 400
    assert named in answer.json()["error"]


def test_in_process_a_smart_event_needs_its_body() -> None:
    with InProcessEmulator(scale=0, seed=1) as local, Receiver() as receiver:
        with pytest.raises(ValueError, match="give"):
            local.subscribe("DEMO", "VENDOR", url=receiver.url, mode="smart_event")
        added = local.subscribe(
            "DEMO", "VENDOR", events=["set"], url=receiver.url, mode="smart_event",
            body="key={!VENDOR.RECORDNO!}&id={!VENDOR.VENDORID!}",
        )  # fmt: skip
        assert added["events"] == ["update"] and local.subscriptions() == [added]
        with httpx.Client(transport=local.transport(), base_url="https://emulator.invalid") as c:
            key = create_vendor(c, "SE-LOCAL")
            xml(c, f"<update><VENDOR><RECORDNO>{key}</RECORDNO><NAME>n</NAME></VENDOR></update>")
        (request,) = receiver.wait(1)
        assert request.body == f"key={key}&id=SE-LOCAL".encode()
