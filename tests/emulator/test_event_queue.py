"""The trigger event queue (issue 37, part 4; portal: guides/events): the notices of
``queue`` subscriptions, pulled through ``services/delivery/event/count``, ``/list``
and ``/acknowledge`` with a bearer token, leased 60 s on the emulator's clock, billed
and limited as every REST route."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from intacct.emulator.server import EmulatorServer
from intacct.emulator.store.events import EventQueue

from .rest_support import (
    CLIENT,
    control,
    create_vendor,
    ok,
    rest_client,
    stats,
    subscribe,
    token,
)

EVENTS = "/ia/api/v1/services/delivery/event"
OTHER_APP = ("queue_client_id", "queue-client-secret")


@pytest.fixture(autouse=True)
def queue(http: httpx.Client) -> Iterator[dict[str, Any]]:
    """A queue subscription to VENDOR of DEMO for the demo app; afterwards none is
    left, every event of the demo app acknowledged and the clock real again."""
    added = subscribe(http, object="VENDOR", mode="queue")
    yield added
    for subscription in http.get("/_emulator/webhooks").json()["webhooks"]:
        http.delete(f"/_emulator/webhooks/{subscription['id']}")
    http.delete("/_emulator/faults")
    control(http, "clock", {"advance_s": 61})  # every lease over
    headers = token(http)
    while events := ok(http.get(f"{EVENTS}/list", params={"size": 1000}, headers=headers)):
        if not events["ia::result"]:
            break
        ids = [e["eventId"] for e in events["ia::result"]]
        ok(http.post(f"{EVENTS}/acknowledge", json={"eventIds": ids}, headers=headers))
    http.delete("/_emulator/clock")


def count(http: httpx.Client, headers: dict[str, str]) -> int:
    answer = ok(http.get(f"{EVENTS}/count", headers=headers))
    assert answer["ia::meta"]["totalCount"] == 1
    found: int = answer["ia::result"]["count"]
    return found


def listed(http: httpx.Client, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = ok(http.get(f"{EVENTS}/list", params=params, headers=headers))
    return found


def acknowledge(http: httpx.Client, headers: dict[str, str], ids: list[str]) -> int:
    answer = ok(http.post(f"{EVENTS}/acknowledge", json={"eventIds": ids}, headers=headers))
    found: int = answer["ia::result"]["acknowledged"]
    return found


def test_count_list_lease_and_acknowledge(http: httpx.Client, auth: dict[str, str]) -> None:
    assert count(http, auth) == 0
    keys = [create_vendor(http, f"EVQ-{n}") for n in range(3)]
    assert count(http, auth) == 3
    first = listed(http, auth, size=2)
    assert first["ia::meta"]["totalCount"] == 3
    assert first["ia::meta"]["pageSize"] == 2
    events = first["ia::result"]
    assert [e["key"] for e in events] == keys[:2]
    for event, n in zip(events, range(2), strict=True):
        assert list(event) == [
            "eventId",
            "companyId",
            "entityId",
            "object",
            "event",
            "key",
            "id",
            "occurredAt",
        ]
        assert uuid.UUID(event["eventId"])
        assert event["companyId"] == "DEMO" and event["entityId"] == ""
        assert (event["object"], event["event"], event["id"]) == ("VENDOR", "create", f"EVQ-{n}")
        assert event["occurredAt"].endswith("Z")
    # leased: the next list has the third only, then nothing
    assert [e["key"] for e in listed(http, auth)["ia::result"]] == keys[2:]
    assert listed(http, auth)["ia::result"] == []
    assert count(http, auth) == 3  # not acknowledged yet
    assert acknowledge(http, auth, [events[0]["eventId"]]) == 1
    assert acknowledge(http, auth, [events[0]["eventId"], "no-such-event"]) == 0
    assert count(http, auth) == 2
    # a lease ends after 60 s on the emulator's clock: the same events again
    control(http, "clock", {"advance_s": 61})
    again = listed(http, auth)["ia::result"]
    assert next(e["eventId"] for e in again) == events[1]["eventId"]
    assert [e["key"] for e in again] == keys[1:]
    assert acknowledge(http, auth, [e["eventId"] for e in again]) == 2
    assert count(http, auth) == 0


def test_updates_and_deletes_are_queued_too(
    http: httpx.Client, auth: dict[str, str], queue: dict[str, Any]
) -> None:
    key = create_vendor(http, "EVQ-UPD")
    ok(http.patch(f"/ia/api/v1/objects/accounts-payable/vendor/{key}", json={"notes": "x"},
                  headers=auth))  # fmt: skip
    deleted = http.delete(f"/ia/api/v1/objects/accounts-payable/vendor/{key}", headers=auth)
    assert deleted.status_code == 204, deleted.text
    events = listed(http, auth)["ia::result"]
    assert [(e["event"], e["key"]) for e in events] == [
        ("create", key),
        ("update", key),
        ("delete", key),
    ]


def test_the_queue_is_the_callers_client_s(http: httpx.Client, auth: dict[str, str]) -> None:
    control(
        http,
        "oauth/apps",
        {"client_id": OTHER_APP[0], "client_secret": OTHER_APP[1], "sender_id": "demo_sender"},
    )
    form = {"grant_type": "client_credentials", "username": "demo_user@DEMO"}
    answer = ok(http.post("/ia/api/v1/oauth2/token", data=form, auth=OTHER_APP))
    other = {"Authorization": f"Bearer {answer['access_token']}"}
    subscribe(http, object="VENDOR", client_id=OTHER_APP[0], mode="queue", events=["update"])
    create_vendor(http, "EVQ-MINE")
    assert count(http, auth) == 1
    assert count(http, other) == 0  # its subscription wants updates only
    assert listed(http, other)["ia::result"] == []
    mine = listed(http, auth)["ia::result"]
    assert acknowledge(http, other, [mine[0]["eventId"]]) == 0  # not its event
    assert count(http, auth) == 1


def test_two_queue_subscriptions_of_one_client_queue_one_event(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    subscribe(http, object="VENDOR", mode="queue", events=["create"])
    create_vendor(http, "EVQ-ONCE")
    assert count(http, auth) == 1


def test_the_routes_are_authenticated_billed_and_faulted(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    refused = http.get(f"{EVENTS}/count")
    assert refused.status_code == 401
    assert refused.json()["ia::result"]["ia::error"]["code"] == "unauthorized"
    before = stats(http)
    count(http, auth)
    listed(http, auth)
    acknowledge(http, auth, [])
    after = stats(http)
    assert after["api_transactions.DEMO"] - before.get("api_transactions.DEMO", 0) == 3
    for name in ("count", "list", "acknowledge"):
        assert (
            after[f"rest:delivery.event.{name}.DEMO"]
            - before.get(f"rest:delivery.event.{name}.DEMO", 0)
            == 1
        )
    assert http.post(
        "/_emulator/faults", content=b"status=503,function=rest:delivery.event.count,times=1"
    ).is_success
    failed = http.get(f"{EVENTS}/count", headers=auth)
    assert failed.status_code == 503
    assert "ia::error" in failed.json()["ia::result"]
    assert count(http, auth) == 0


@pytest.mark.parametrize("size", ["0", "-1", "many", "1.5"])
def test_a_bad_size_is_refused(http: httpx.Client, auth: dict[str, str], size: str) -> None:
    answer = http.get(f"{EVENTS}/list", params={"size": size}, headers=auth)
    assert answer.status_code == 400
    error = answer.json()["ia::result"]["ia::error"]
    assert error["details"][0]["target"] == "size"


def test_a_large_size_is_served_as_the_maximum(http: httpx.Client, auth: dict[str, str]) -> None:
    assert listed(http, auth, size=5000)["ia::meta"]["pageSize"] == 1000
    assert listed(http, auth)["ia::meta"]["pageSize"] == 100


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"eventIds": "one"}', b'{"eventIds": [1]}', b'{"ids": []}'],
)
def test_a_bad_acknowledgement_is_refused(
    http: httpx.Client, auth: dict[str, str], body: bytes
) -> None:
    answer = http.post(
        f"{EVENTS}/acknowledge",
        content=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["ia::result"]["ia::error"]["code"] == "invalidRequest"


def test_beyond_its_bound_the_oldest_events_are_dropped() -> None:
    events = EventQueue(max_events=3)
    dropped = [events.add("DEMO", CLIENT[0], {"key": str(n)}) for n in range(5)]
    assert dropped == [0, 0, 0, 1, 1]
    assert [e["key"] for e in events.lease("DEMO", CLIENT[0], 10, 0.0)] == ["2", "3", "4"]
    assert events.count("DEMO", CLIENT[0]) == 3


def test_a_reset_forgets_subscriptions_and_events() -> None:
    with EmulatorServer(port=0, scale=0, seed=1) as own, rest_client(own) as http:
        subscribe(http, object="VENDOR", mode="queue")
        create_vendor(http, "EVQ-RESET")
        assert count(http, token(http)) == 1
        ok(http.post("/_emulator/reset"))
        assert http.get("/_emulator/webhooks").json() == {"webhooks": []}
        assert count(http, token(http)) == 0
