"""Many companies in one emulator (``--companies N``): each a normal company with its own
data (deterministic from the seed and its index), its own concurrency limit and its own
counters, and checksums of its data a replication can be compared with."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lxml import etree

from intacct.client import IntacctClient
from intacct.emulator.checksum import rows_checksum
from intacct.emulator.demo import client_config
from intacct.emulator.fleet import Fleet, fleet_ids, parse_limits
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer

from .conftest import envelope


@pytest.fixture(scope="module")
def fleet() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=0, seed=5, companies=3, company_limits=[1, 3]) as server:
        yield server


def _control(server: EmulatorServer, path: str) -> str:
    return server.url.replace("/ia/xml/xmlgw.phtml", f"/_emulator/{path}")


def _sums(server: EmulatorServer, company: str, **params: str) -> dict[str, Any]:
    answer = httpx.get(_control(server, "checksum"), params={"company": company, **params})
    assert answer.status_code == 200, answer.text
    objects: dict[str, Any] = answer.json()["objects"]
    return objects


def test_ids_are_numbered_and_widen_past_9999() -> None:
    assert fleet_ids(3) == ["FLEET0001", "FLEET0002", "FLEET0003"]
    assert fleet_ids(12_000)[-1] == "FLEET12000" and fleet_ids(12_000)[0] == "FLEET00001"
    assert parse_limits("2, 4,8") == (2, 4, 8)
    with pytest.raises(ValueError, match="whole numbers"):
        parse_limits("2,x")
    with pytest.raises(ValueError, match=">= 1"):
        Fleet(3, (2, 0))


def test_companies_are_listed_with_their_limits(fleet: EmulatorServer) -> None:
    listed = httpx.get(_control(fleet, "companies")).json()["companies"]
    by_id = {c["id"]: c for c in listed}
    assert list(by_id) == ["DEMO", "DEMO-ME", "FLEET0001", "FLEET0002", "FLEET0003"]
    assert [by_id[c]["max_concurrency"] for c in by_id] == [2, 2, 1, 3, 1]  # cycled
    assert not by_id["DEMO"]["fleet"] and by_id["FLEET0003"]["fleet"]
    assert by_id["FLEET0001"]["name"] == "Fleet Company 0001"
    assert by_id["FLEET0001"]["multi_entity"] is False


def test_a_fleet_company_takes_the_demo_credentials_and_holds_its_own_data(
    fleet: EmulatorServer,
) -> None:
    vendors = {}
    for company in ("FLEET0001", "FLEET0002"):
        with IntacctClient.from_mapping(client_config(fleet.url, company)) as client:
            vendors[company] = [
                r["NAME"] for r in client.iter_read_by_query("VENDOR", fields=["NAME"])
            ]
    assert vendors["FLEET0001"] and vendors["FLEET0002"]
    assert vendors["FLEET0001"] != vendors["FLEET0002"]
    one, two = _sums(fleet, "FLEET0001"), _sums(fleet, "FLEET0002")
    assert one.keys() == two.keys() and len(one) > 200  # every catalog object has rows
    assert one["VENDOR"]["sha256"] != two["VENDOR"]["sha256"]


def test_the_same_arguments_give_the_same_data_and_leave_the_demo_as_it_was() -> None:
    with (
        InProcessEmulator(scale=0, seed=5, companies=2) as first,
        InProcessEmulator(scale=0, seed=5, companies=3) as second,
        InProcessEmulator(scale=0, seed=5) as plain,
        InProcessEmulator(scale=0, seed=6, companies=2) as other,
    ):
        second.checksums("FLEET0001")  # used in another order: no difference
        assert first.checksums("FLEET0002") == second.checksums("FLEET0002")
        assert first.checksums("FLEET0002") != other.checksums("FLEET0002")
        for demo in ("DEMO", "DEMO-ME"):
            assert first.checksums(demo) == plain.checksums(demo)
        assert "FLEET0001" not in plain.companies()


def test_a_checksum_is_what_a_client_reads(fleet: EmulatorServer) -> None:
    """The documented canonical form, computed from the values a client reads and
    types as a replication would, gives the emulator's checksum."""
    fields = ["RECORDNO", "VENDORID", "NAME", "TOTALDUE", "ONHOLD", "WHENMODIFIED"]
    kinds = ["integer", "text", "text", "decimal", "boolean", "timestamp"]
    with IntacctClient.from_mapping(client_config(fleet.url, "FLEET0003")) as client:
        rows = [
            [
                int(r["RECORDNO"]),
                r["VENDORID"],
                r["NAME"],
                Decimal(r["TOTALDUE"]) if r["TOTALDUE"] else None,
                r["ONHOLD"] == "true",
                datetime.strptime(r["WHENMODIFIED"], "%m/%d/%Y %H:%M:%S")  # noqa: DTZ007 (wall clock)
                if r["WHENMODIFIED"]
                else None,
            ]
            for r in client.iter_read_by_query("VENDOR", fields=fields)
        ]
    said = _sums(fleet, "FLEET0003", object="VENDOR", fields=",".join(fields))["VENDOR"]
    assert said["fields"] == fields
    assert (said["count"], said["sha256"]) == rows_checksum(kinds, rows)
    rows[0][2] = rows[0][2] + " "  # one character of one value: another checksum
    assert rows_checksum(kinds, rows)[1] != said["sha256"]


def test_checksum_refusals_are_400(fleet: EmulatorServer) -> None:
    for params, says in (
        ({"company": "NOPE"}, "no company"),
        ({"company": "FLEET0001", "object": "NOPE"}, "no object"),
        ({"company": "FLEET0001", "fields": "NAME"}, "exactly one object"),
        ({"company": "FLEET0001", "object": "VENDOR", "fields": "NOPE"}, "no field"),
    ):
        answer = httpx.get(_control(fleet, "checksum"), params=params)
        assert answer.status_code == 400 and says in answer.json()["error"], params


def _read(company: str) -> bytes:
    return envelope(
        "<readByQuery><object>GLACCOUNT</object><fields>RECORDNO</fields><query></query>"
        "<pagesize>1</pagesize></readByQuery>",
        company=company,
    )


def _burst(server: EmulatorServer, company: str, clients: int) -> list[int]:
    """``clients`` requests of ``company`` sent at once; their HTTP statuses."""
    statuses: list[int] = []
    start = threading.Barrier(clients)

    def send() -> None:
        start.wait()
        answer = httpx.post(
            server.url,
            content=_read(company),
            headers={"Content-Type": "application/xml"},
            timeout=60,
        )
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=send) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_each_company_is_held_to_its_own_limit_and_counted_apart(fleet: EmulatorServer) -> None:
    for company in ("FLEET0001", "FLEET0002"):  # seeded first: seeding is not the point
        assert _burst(fleet, company, 1) == [200]
    httpx.post(_control(fleet, "latency"), json={"ms": 1500})
    try:
        before = httpx.get(_control(fleet, "stats")).json()
        one, two = _burst(fleet, "FLEET0001", 4), _burst(fleet, "FLEET0002", 6)
        after = httpx.get(_control(fleet, "stats")).json()
    finally:
        httpx.post(_control(fleet, "latency"), json={"ms": 0})
    assert sorted(one) == [200, 429, 429, 429]
    assert sorted(two) == [200, 200, 200, 429, 429, 429]
    assert after["max_in_flight.FLEET0001"] == 1 and after["max_in_flight.FLEET0002"] == 3
    for company, sent, refused in (("FLEET0001", 4, 3), ("FLEET0002", 6, 3)):
        assert after[f"requests.{company}"] - before[f"requests.{company}"] == sent
        assert after[f"readByQuery.{company}"] - before[f"readByQuery.{company}"] == sent
        assert after[f"throttled.{company}"] - before.get(f"throttled.{company}", 0) == refused
        billed = after[f"api_transactions.{company}"] - before[f"api_transactions.{company}"]
        assert billed == sent - refused  # a refused request is not billed


def test_a_company_limit_can_be_changed_while_running(fleet: EmulatorServer) -> None:
    url = _control(fleet, "companies/FLEET0003")
    try:
        changed = httpx.post(url, json={"max_concurrency": 5})
        assert changed.status_code == 200 and changed.json()["max_concurrency"] == 5
        bad = httpx.post(url, json={"max_concurrency": -1})
        assert bad.status_code == 400 and "max_concurrency" in bad.json()["error"]
        listed = httpx.get(_control(fleet, "companies")).json()["companies"]
        assert {c["id"]: c["max_concurrency"] for c in listed}["FLEET0003"] == 5
    finally:
        httpx.post(url, json={"max_concurrency": 1})


def test_a_thousand_companies_start_in_seconds_and_seed_on_first_use() -> None:
    started = time.perf_counter()
    with InProcessEmulator(scale=0, companies=1000) as big:
        took = time.perf_counter() - started
        assert len(big.companies()) == 1002
        assert not big.store.records.holds("FLEET0999")
        assert big.checksums("FLEET0999", ["VENDOR"])["VENDOR"]["count"] > 0
        assert big.store.records.holds("FLEET0999") and not big.store.records.holds("FLEET0998")
    # unloaded ~1 s with the demo tenant; seeding 1,000 companies eagerly takes ~100 s
    assert took < 30


def test_fleet_login_answers_like_any_company(fleet: EmulatorServer) -> None:
    answer = httpx.post(
        fleet.url,
        content=envelope("<getAPISession/>", company="FLEET0002", password="wrong"),
        headers={"Content-Type": "application/xml"},
    )
    root = etree.fromstring(answer.content)
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.findtext(".//errorno") == "XL03000006"


def _session(server: EmulatorServer, company: str) -> str | None:
    answer = httpx.post(
        server.url,
        content=envelope("<getAPISession/>", company=company),
        headers={"Content-Type": "application/xml"},
    )
    return etree.fromstring(answer.content).findtext("operation/result/status")


def test_revoking_one_company_from_the_sender_keeps_the_fleet(fleet: EmulatorServer) -> None:
    url = _control(fleet, "senders/demo_sender")
    try:
        revoked = httpx.post(url, json={"revoke": ["FLEET0002"]})
        assert revoked.status_code == 200 and "FLEET0002" not in revoked.json()["companies"]
        assert _session(fleet, "FLEET0002") is None  # refused at the sender check
        assert _session(fleet, "FLEET0001") == _session(fleet, "DEMO") == "success"
        bad = httpx.post(url, json={"grant": ["NOPE"]})
        assert bad.status_code == 400 and "NOPE" in bad.json()["error"]
    finally:
        granted = httpx.post(url, json={"grant": ["FLEET0002"]})
    assert granted.status_code == 200 and _session(fleet, "FLEET0002") == "success"


def test_serve_starts_a_fleet_and_names_it() -> None:
    command = [sys.executable, "-m", "intacct.cli", "emulator", "serve", "--port", "0"]
    fleet_args = ["--scale", "0", "--companies", "12", "--company-limits", "4,8"]
    with subprocess.Popen([*command, *fleet_args], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip().rsplit(" ", 1)[1]
            banner = "".join(proc.stdout.readline() for _ in range(4))
            assert "FLEET0001 ... FLEET0012 (12, same users)" in banner
            base = url.split("/ia/")[0]
            listed = httpx.get(f"{base}/_emulator/companies", timeout=10).json()["companies"]
            limits = {c["id"]: c["max_concurrency"] for c in listed}
            assert (limits["FLEET0011"], limits["FLEET0012"], limits["DEMO"]) == (4, 8, 2)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    refused = subprocess.run(
        [*command, "--companies", "2", "--company-limits", "2,0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2 and "--company-limits" in refused.stderr
    assert "each company limit must be a whole number >= 1" in refused.stderr


def test_reset_and_seed_bring_the_fleet_back() -> None:
    with EmulatorServer(port=0, scale=0, seed=1, companies=2, company_limits=[3]) as server:
        first = _sums(server, "FLEET0002", object="VENDOR")["VENDOR"]["sha256"]
        httpx.post(_control(server, "companies/FLEET0002"), json={"max_concurrency": 7})
        assert httpx.post(_control(server, "reset"), timeout=120).status_code == 200
        listed = httpx.get(_control(server, "companies")).json()["companies"]
        fleet = {c["id"]: c for c in listed if c["fleet"]}
        assert [(c["max_concurrency"], c["seeded"]) for c in fleet.values()] == [(3, False)] * 2
        assert _sums(server, "FLEET0002", object="VENDOR")["VENDOR"]["sha256"] == first
        assert httpx.post(_control(server, "seed?seed=2"), timeout=120).status_code == 200
        assert _sums(server, "FLEET0002", object="VENDOR")["VENDOR"]["sha256"] != first


def test_company_scale_sizes_every_fleet_company() -> None:
    with (
        InProcessEmulator(scale=0, companies=1) as small,
        InProcessEmulator(scale=0, companies=1, company_scale=8_000) as large,
    ):
        bills = [e.checksums("FLEET0001", ["APBILL"])["APBILL"]["count"] for e in (small, large)]
    assert bills[1] > 3 * bills[0] > 0
