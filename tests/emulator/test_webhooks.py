"""The emulator's outbound webhooks (issue 37, part 4; portal: guides/webhooks), through
its public interfaces only: subscriptions by the ``/_emulator/webhooks`` control, writes
through the XML gateway, the REST API and bulk jobs, and a real HTTP receiver recording
what is posted to it. Retry delays are scaled by ``/_emulator/webhooks/pace``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer

from .conftest import envelope
from .rest_support import (
    CLIENT,
    OBJECTS,
    Receiver,
    aborted_transaction,
    bulk_job,
    closed_url,
    create_vendor,
    forget_webhooks,
    ok,
    stats,
    subscribe,
    xml,
)

VENDORS = f"{OBJECTS}/accounts-payable/vendor"
SCALE = 0.004  # retry delays of 0.04, 0.12 and 0.36 s
BODY_KEYS = ["companyId", "entityId", "object", "event", "key", "id", "occurredAt"]
CLAIMS = {"iss", "aud", "sub", "iat", "exp", "jti", "body_sha256"}


@pytest.fixture(autouse=True)
def paced(http: httpx.Client) -> Iterator[None]:
    """Fast retries; afterwards no subscription and no delivery fault is left."""
    assert http.post("/_emulator/webhooks/pace", json={"retry_scale": SCALE}).status_code == 200
    yield
    forget_webhooks(http)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as found:
        yield found


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verified(token: str, secret: bytes) -> dict[str, Any] | None:
    """The claims of an HS256 JWS signed with ``secret``, checked here independently of
    the emulator's code; None when the signature does not hold."""
    try:
        head, claims, signature = token.split(".")
        header = json.loads(_b64url(head))
        mac = hmac.new(secret, f"{head}.{claims}".encode(), hashlib.sha256).digest()
        if header != {"alg": "HS256", "typ": "JWT"} or not hmac.compare_digest(
            _b64url(signature), mac
        ):
            return None
        found: dict[str, Any] = json.loads(_b64url(claims))
    except (ValueError, binascii.Error):
        return None
    return found


def bearer(headers: dict[str, str]) -> str:
    scheme, _, token = headers["Authorization"].partition(" ")
    assert scheme == "Bearer"
    return token


def trusted(headers: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(base64.b64decode(headers["X-Trusted-Context"]))
    return found


def changed(before: dict[str, int], after: dict[str, int], name: str) -> int:
    return after.get(name, 0) - before.get(name, 0)


def settled(http: httpx.Client, name: str, value: int, timeout_s: float = 15) -> dict[str, int]:
    """The stats once counter ``name`` reached ``value``."""
    deadline = time.monotonic() + timeout_s
    while (now := stats(http)).get(name, 0) < value:
        assert time.monotonic() < deadline, (name, now.get(name), value)
        time.sleep(0.02)
    return now


def occurred(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def test_xml_create_rest_update_and_xml_delete_each_notify(
    http: httpx.Client, auth: dict[str, str], receiver: Receiver
) -> None:
    subscribe(http, object="VENDOR", url=receiver.url)
    started = datetime.now(UTC) - timedelta(seconds=1)
    key = create_vendor(http, "WHK-ONE")
    ok(http.patch(f"{VENDORS}/{key}", json={"notes": "via REST"}, headers=auth))
    xml(http, f"<delete><object>VENDOR</object><keys>{key}</keys></delete>")
    got = receiver.wait(3)
    bodies = [r.json() for r in got]
    for body in bodies:
        assert list(body) == BODY_KEYS
        assert started <= occurred(body.pop("occurredAt")) <= datetime.now(UTC)
    assert bodies == [
        {"companyId": "DEMO", "entityId": "", "object": "VENDOR", "event": event}
        | {"key": key, "id": "WHK-ONE"}
        for event in ("create", "update", "delete")
    ]
    keys = [r.headers["Idempotency-Key"] for r in got]
    assert len(set(keys)) == 3 and all(uuid.UUID(k).version == 4 for k in keys)
    for request in got:
        assert request.path == "/hooks/intacct"
        assert request.headers["Content-Type"] == "application/json"
        assert trusted(request.headers) == {
            "clientId": CLIENT[0],
            "companyId": "DEMO",
            "entityId": "",
            "userId": "demo_user",
        }
    time.sleep(0.2)
    assert len(receiver.got) == 3  # the vendor's display contact is not watched


def test_the_token_verifies_with_the_client_secret(
    emulator: EmulatorServer, http: httpx.Client, receiver: Receiver
) -> None:
    subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
    before = int(time.time())
    create_vendor(http, "WHK-JWT")
    (request,) = receiver.wait(1)
    token = bearer(request.headers)
    claims = verified(token, CLIENT[1].encode())
    assert claims is not None
    assert set(claims) == CLAIMS
    access = http.post(
        "/ia/api/v1/oauth2/token",
        data={"grant_type": "client_credentials", "username": "demo_user@DEMO"},
        auth=CLIENT,
    ).json()["access_token"]
    issuer = json.loads(_b64url(access.split(".")[1]))["iss"]
    assert claims["iss"] == issuer == f"http://127.0.0.1:{emulator.port}/ia/api/v1"
    assert claims["aud"] == CLIENT[0]
    assert claims["sub"] == "DEMO"
    assert before - 1 <= claims["iat"] <= time.time() + 1
    assert claims["exp"] == claims["iat"] + 300
    assert claims["jti"] == request.headers["Idempotency-Key"]
    assert claims["body_sha256"] == hashlib.sha256(request.body).hexdigest()
    # tampering: another key, a changed claim, a changed body
    assert verified(token, b"another-secret") is None
    head, _payload, signature = token.split(".")
    forged = dict(claims, sub="OTHER")
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert verified(f"{head}.{forged_payload}.{signature}", CLIENT[1].encode()) is None
    tampered = request.body.replace(b"WHK-JWT", b"WHK-BAD")
    assert hashlib.sha256(tampered).hexdigest() != claims["body_sha256"]


def test_503_twice_then_200_is_three_attempts_with_one_key(http: httpx.Client) -> None:
    with Receiver(answers=[503, 503]) as receiver:
        subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
        before = stats(http)
        create_vendor(http, "WHK-RETRY")
        got = receiver.wait(3)
        after = settled(http, "webhook.delivered", before.get("webhook.delivered", 0) + 1)
    assert len({r.headers["Idempotency-Key"] for r in got}) == 1
    assert len({r.body for r in got}) == 1
    gaps = [b.at - a.at for a, b in itertools.pairwise(got)]
    assert gaps[0] >= 10 * SCALE and gaps[1] >= 30 * SCALE
    for name, value in (("attempts", 3), ("failed", 2), ("delivered", 1), ("given_up", 0)):
        assert changed(before, after, f"webhook.{name}") == value, name
        assert changed(before, after, f"webhook.{name}.DEMO") == value, name
    time.sleep(0.3)
    assert len(receiver.got) == 3


def test_retries_follow_the_schedule_then_give_up(http: httpx.Client) -> None:
    with Receiver(answers=[500, 502, 504, 429]) as receiver:
        subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
        before = stats(http)
        create_vendor(http, "WHK-SCHEDULE")
        got = receiver.wait(4)
        after = settled(http, "webhook.given_up", before.get("webhook.given_up", 0) + 1)
        time.sleep(90 * SCALE + 0.3)
        assert len(receiver.got) == 4  # no fifth attempt
    assert len({r.headers["Idempotency-Key"] for r in got}) == 1
    gaps = [b.at - a.at for a, b in itertools.pairwise(got)]
    for gap, delay in zip(gaps, (10, 30, 90), strict=True):
        assert delay * SCALE <= gap < delay * SCALE + 1.0, gaps
    assert changed(before, after, "webhook.attempts") == 4
    assert changed(before, after, "webhook.failed") == 4
    assert changed(before, after, "webhook.delivered") == 0


def test_a_receiver_that_is_down_gets_four_attempts_then_a_give_up(
    http: httpx.Client, receiver: Receiver
) -> None:
    down = Receiver()
    url = down.url
    down.stop()  # nothing listens there any more: connections are refused
    subscribe(http, object="VENDOR", url=url, events=["create"])
    subscribe(http, object="VENDOR", url=closed_url(), events=["create"])
    subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
    before = stats(http)
    create_vendor(http, "WHK-DOWN")
    receiver.wait(1)  # another subscription is not held up by them
    after = settled(http, "webhook.given_up", before.get("webhook.given_up", 0) + 2)
    assert changed(before, after, "webhook.attempts") == 4 + 4 + 1
    assert changed(before, after, "webhook.failed") == 8
    assert changed(before, after, "webhook.delivered") == 1


def test_a_status_not_retried_ends_the_delivery(http: httpx.Client) -> None:
    with Receiver(answers=[400]) as receiver:
        subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
        before = stats(http)
        create_vendor(http, "WHK-400")
        after = settled(http, "webhook.given_up", before.get("webhook.given_up", 0) + 1)
        time.sleep(10 * SCALE + 0.2)
        assert len(receiver.got) == 1
    assert changed(before, after, "webhook.attempts") == 1


def test_deliveries_of_a_subscription_keep_notice_order(http: httpx.Client) -> None:
    with Receiver(answers=[503]) as receiver:
        subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
        for n in range(3):
            create_vendor(http, f"WHK-ORDER{n}")
        got = receiver.wait(4)
    ids = [r.json()["id"] for r in got]
    assert ids == ["WHK-ORDER0", "WHK-ORDER0", "WHK-ORDER1", "WHK-ORDER2"]


def test_fault_duplicate_sends_twice_with_one_key(http: httpx.Client, receiver: Receiver) -> None:
    subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
    assert http.post("/_emulator/webhooks/faults", content=b"duplicate=1,times=1").is_success
    create_vendor(http, "WHK-DUP")
    create_vendor(http, "WHK-DUP2")
    got = receiver.wait(3)
    assert [r.json()["id"] for r in got] == ["WHK-DUP", "WHK-DUP", "WHK-DUP2"]
    assert got[0].headers["Idempotency-Key"] == got[1].headers["Idempotency-Key"]
    assert got[0].body == got[1].body
    assert got[2].headers["Idempotency-Key"] != got[0].headers["Idempotency-Key"]
    listed = http.get("/_emulator/webhooks/faults").json()["faults"]
    assert listed == [{"spec": "duplicate=1,times=1", "seen": 2, "fired": 1}]


def test_fault_reorder_sends_a_delivery_after_the_next(
    http: httpx.Client, receiver: Receiver
) -> None:
    subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
    assert http.post("/_emulator/webhooks/faults", params={"spec": "reorder=1,times=1"}).is_success
    create_vendor(http, "WHK-FIRST")
    create_vendor(http, "WHK-SECOND")
    got = receiver.wait(2)
    assert [r.json()["id"] for r in got] == ["WHK-SECOND", "WHK-FIRST"]


def test_fault_lose_never_sends(http: httpx.Client, receiver: Receiver) -> None:
    subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
    assert http.post("/_emulator/webhooks/faults", content=b"lose=1,times=1").is_success
    before = stats(http)
    create_vendor(http, "WHK-LOST")
    create_vendor(http, "WHK-KEPT")
    got = receiver.wait(1)
    time.sleep(0.3)
    assert [r.json()["id"] for r in receiver.got] == ["WHK-KEPT"] == [got[0].json()["id"]]
    assert changed(before, stats(http), "webhook.lost.DEMO") == 1


def test_fault_delay_holds_each_delivery(http: httpx.Client, receiver: Receiver) -> None:
    subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
    assert http.post("/_emulator/webhooks/faults", content=b"delay_ms=400").is_success
    written = time.monotonic()
    create_vendor(http, "WHK-SLOW")
    (request,) = receiver.wait(1)
    assert request.at - written >= 0.4


def test_a_lose_schedule_with_a_chance_replays() -> None:
    """The same seed and the same notices meet the same faults."""

    def lost() -> list[str]:
        with InProcessEmulator(scale=0, seed=3) as local, Receiver() as found:
            local.subscribe("DEMO", "VENDOR", events=["create"], url=found.url)
            local.pace_webhooks(retry_scale=SCALE)
            local.add_webhook_fault("lose=1,p=0.5")
            with httpx.Client(
                transport=local.transport(), base_url="https://emulator.invalid"
            ) as c:
                for n in range(8):
                    create_vendor(c, f"WHK-P{n}")
            time.sleep(0.5)
            kept = {r.json()["id"] for r in found.got}
        return [f"WHK-P{n}" for n in range(8) if f"WHK-P{n}" not in kept]

    first = lost()
    assert 0 < len(first) < 8
    assert lost() == first


def test_a_rolled_back_write_sends_nothing(http: httpx.Client, receiver: Receiver) -> None:
    subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
    create_vendor(http, "WHK-TAKEN")
    receiver.wait(1)
    vendor = "<VENDOR><VENDORID>{}</VENDORID><NAME>n</NAME></VENDOR>"
    # a transaction whose second record the store refuses (a duplicate id): none is kept
    aborted_transaction(http, "WHK-ROLLED", "WHK-TAKEN")
    # a record of a create the store refuses (no NAME), beside one it keeps
    http.post(
        "/ia/xml/xmlgw.phtml",
        content=envelope(
            "<create><VENDOR><VENDORID>WHK-NONAME</VENDORID></VENDOR>"
            f"{vendor.format('WHK-AFTER')}</create>"
        ),
        headers={"Content-Type": "application/xml"},
    )
    got = receiver.wait(2)
    time.sleep(0.3)
    assert [r.json()["id"] for r in receiver.got] == ["WHK-TAKEN", "WHK-AFTER"]
    assert got[1].json()["event"] == "create"


def test_a_bulk_job_notifies_each_record(
    http: httpx.Client, auth: dict[str, str], receiver: Receiver
) -> None:
    subscribe(http, object="VENDOR", url=receiver.url, events=["create"])
    records = [{"id": f"WHK-BULK{n}", "name": f"bulk {n}"} for n in range(3)]
    results = bulk_job(http, auth, records, objectName="accounts-payable/vendor")
    got = receiver.wait(3)
    assert [r.json()["id"] for r in got] == [f"WHK-BULK{n}" for n in range(3)]
    assert [r.json()["key"] for r in got] == [str(r["key"]) for r in results]


def test_lines_notify_only_their_own_subscribers(
    http: httpx.Client, accounts: list[str], receiver: Receiver
) -> None:
    debit, credit = accounts
    subscribe(http, object="GLBATCH", url=receiver.url, events=["create"])
    entry = (
        "<create><GLBATCH><JOURNAL>GJ</JOURNAL><BATCH_DATE>03/05/2024</BATCH_DATE>"
        "<BATCH_TITLE>notice</BATCH_TITLE><ENTRIES>"
        f"<GLENTRY><ACCOUNTNO>{debit}</ACCOUNTNO><TR_TYPE>1</TR_TYPE>"
        "<TRX_AMOUNT>10</TRX_AMOUNT></GLENTRY>"
        f"<GLENTRY><ACCOUNTNO>{credit}</ACCOUNTNO><TR_TYPE>-1</TR_TYPE>"
        "<TRX_AMOUNT>10</TRX_AMOUNT></GLENTRY>"
        "</ENTRIES></GLBATCH></create>"
    )
    batch = xml(http, entry).findtext(".//glbatch/RECORDNO")
    (request,) = receiver.wait(1)
    assert (request.json()["object"], request.json()["key"]) == ("GLBATCH", batch)
    time.sleep(0.2)
    assert len(receiver.got) == 1
    with Receiver() as lines:
        subscribe(http, object="GLENTRY", url=lines.url, events=["create"])
        xml(http, entry)
        got = lines.wait(2)
    assert {r.json()["object"] for r in got} == {"GLENTRY"}


def test_an_entity_write_names_its_entity(http: httpx.Client, receiver: Receiver) -> None:
    subscribe(http, company="DEMO-ME", object="VENDOR", url=receiver.url, events=["create"])
    create_vendor(http, "WHK-E100", company="DEMO-ME", locationid="E100")
    (request,) = receiver.wait(1)
    assert request.json()["companyId"] == "DEMO-ME"
    assert request.json()["entityId"] == "E100"
    assert trusted(request.headers)["entityId"] == "E100"
    assert trusted(request.headers)["companyId"] == "DEMO-ME"


def test_subscriptions_are_managed_by_the_control(http: httpx.Client) -> None:
    added = subscribe(http, object="VENDOR", url="https://example.test/hook", mode="webhook")
    assert set(added) == {"id", "company", "object", "events", "url", "client_id", "mode"}
    assert added["events"] == ["create", "update", "delete"]
    listed = http.get("/_emulator/webhooks").json()["webhooks"]
    assert added in listed
    assert http.delete(f"/_emulator/webhooks/{added['id']}").json() == {"removed": added["id"]}
    assert http.delete(f"/_emulator/webhooks/{added['id']}").status_code == 404
    assert added not in http.get("/_emulator/webhooks").json()["webhooks"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"client_id": "nobody"}, "nobody"),
        ({"company": "NOPE"}, "NOPE"),
        ({"object": "NOTANOBJECT"}, "NOTANOBJECT"),
        ({"events": ["upsert"]}, "events"),
        ({"events": []}, "events"),
        ({"url": "ftp://example.test"}, "url"),
        ({"mode": "push"}, "mode"),
        ({"colour": "red"}, "give"),
    ],
)
def test_a_bad_subscription_is_refused(
    http: httpx.Client, change: dict[str, Any], named: str
) -> None:
    asked = {
        "company": "DEMO",
        "object": "VENDOR",
        "events": ["create"],
        "url": "https://example.test/hook",
        "client_id": CLIENT[0],
        **change,
    }
    answer = http.post("/_emulator/webhooks", json=asked)
    assert answer.status_code == 400
    assert named in answer.json()["error"]


def test_a_company_that_does_not_authorize_the_apps_sender_is_refused(
    http: httpx.Client,
) -> None:
    assert http.post("/_emulator/senders/demo_sender", json={"revoke": ["DEMO"]}).is_success
    try:
        answer = http.post(
            "/_emulator/webhooks",
            json={"company": "DEMO", "object": "VENDOR", "events": ["create"]}
            | {"url": "https://example.test/h", "client_id": CLIENT[0]},
        )
    finally:
        http.post("/_emulator/senders/demo_sender", json={"grant": ["DEMO"]})
    assert answer.status_code == 400 and "authorized" in answer.json()["error"]


def test_pace_and_faults_controls_check_what_they_get(http: httpx.Client) -> None:
    assert http.get("/_emulator/webhooks/pace").json() == {"retry_scale": SCALE}
    for bad in ({"retry_scale": -1}, {"retry_scale": "fast"}, {"scale": 1}):
        assert http.post("/_emulator/webhooks/pace", json=bad).status_code == 400
    for spec in (b"status=503", b"times=2", b"lose=1,p=2"):
        assert http.post("/_emulator/webhooks/faults", content=spec).status_code == 400
    assert http.post("/_emulator/webhooks/faults", content=b"lose=1,event=update").is_success
    assert http.delete("/_emulator/webhooks/faults").json() == {"faults": 0}


def test_in_process_subscriptions_and_a_clean_close() -> None:
    before = set(threading.enumerate())
    with Receiver() as receiver:
        local = InProcessEmulator(scale=0, seed=1)
        try:
            added = local.subscribe("DEMO", "VENDOR", events=["create"], url=receiver.url)
            assert local.subscriptions() == [added]
            with httpx.Client(
                transport=local.transport(), base_url="https://emulator.invalid"
            ) as c:
                create_vendor(c, "WHK-LOCAL")
            (request,) = receiver.wait(1)
            claims = verified(bearer(request.headers), CLIENT[1].encode())
            assert claims is not None and claims["iss"] == "https://emulator.invalid/ia/api/v1"
            assert local.unsubscribe(added["id"]) and not local.unsubscribe(added["id"])
        finally:
            local.close()
    started = [t for t in threading.enumerate() if t not in before]
    assert not [t for t in started if t.name == "emulator-webhooks"]
