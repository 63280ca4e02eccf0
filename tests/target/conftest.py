"""One seeded emulator on a real socket for the target's tests, helpers to run the target
in-process on Singer messages and read its report, and to make an empty company."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from contextlib import redirect_stdout
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_SENDER, DEMO_USER, Company
from intacct.target import TargetSageIntacct


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=200, seed=7) as server:
        yield server


@pytest.fixture
def faults(emulator: EmulatorServer) -> Iterator[Any]:
    yield emulator.emulator.faults
    emulator.emulator.faults.clear()


def target_config(
    server: EmulatorServer, tmp_path: Path, company: str = "DEMO", **extra: Any
) -> dict[str, Any]:
    return {
        **client_config(server.url, company),
        "timeout_s": 30,
        "report_path": str(tmp_path / "report.jsonl"),
        **extra,
    }


def new_company(server: EmulatorServer, company: str) -> str:
    """An empty company the demo sender and user may use (no seed data)."""
    store = server.store
    store.add_company(Company(company, f"{company} Inc.", multi_entity=False))
    store.add_user(company, *DEMO_USER, recordno=1)
    found = store.sender(DEMO_SENDER[0])
    assert found is not None
    store.identities.authorize_sender(DEMO_SENDER[0], [*sorted(found[1]), company])
    return company


def schema(stream: str, keys: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"properties": {}},
        "key_properties": list(keys),
    }


#: two accounts of the demo companies: an expense and a cash account
ACCOUNTS = ("6000", "1110")


def journal_entry(title: str, amount: str = "125.50") -> dict[str, Any]:
    """A GLBATCH record: a balanced entry of two lines (a keyless document)."""
    lines = [
        {"ACCOUNTNO": account, "TR_TYPE": tr_type, "TRX_AMOUNT": amount}
        for account, tr_type in zip(ACCOUNTS, (1, -1), strict=True)
    ]
    return {"JOURNAL": "GJ", "BATCH_DATE": "2026-06-30", "BATCH_TITLE": title, "ENTRIES": lines}


def record(stream: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "RECORD", "stream": stream, "record": data}


class Run:
    """What one target run left: its report lines, the error it ended with, stdout,
    and the requests its client sent."""

    def __init__(
        self, lines: list[dict[str, Any]], error: Exception | None, stdout: str, requests: int
    ) -> None:
        self.lines = lines
        self.error = error
        self.stdout = stdout
        self.requests = requests

    def statuses(self, stream: str | None = None) -> dict[str, list[str]]:
        """status -> the keys reported with it (in report order)."""
        out: dict[str, list[str]] = {}
        for line in self.lines:
            if stream is None or line["stream"] == stream:
                out.setdefault(line["status"], []).append(line["key"])
        return out


def run_target(config: dict[str, Any], messages: Sequence[dict[str, Any]]) -> Run:
    """The target in-process on ``messages`` (as its CLI reads them)."""
    target = TargetSageIntacct(config=config)
    text = "\n".join(json.dumps(m, default=_number) for m in messages) + "\n"
    out = io.StringIO()
    error: Exception | None = None
    try:
        with redirect_stdout(out):
            target.listen(io.StringIO(text))
    except Exception as exc:  # noqa: BLE001 - the tests look at it
        error = exc
    requests = target.writer.client.requests_sent if target._writer else 0
    path = Path(config["report_path"])
    lines = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    return Run(lines, error, out.getvalue(), requests)


def _number(value: Any) -> Any:
    """A Decimal the tap's messages were read into (tests.tap.conftest.messages), as the
    JSON number it was: a float where that is exact, else its text."""
    if isinstance(value, Decimal):
        return float(value) if Decimal(repr(float(value))) == value else str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def client(server: EmulatorServer, company: str = "DEMO") -> IntacctClient:
    return IntacctClient.from_mapping(client_config(server.url, company))


def rows(
    server: EmulatorServer, obj: str, fields: Sequence[str], company: str = "DEMO", **where: Any
) -> list[dict[str, Any]]:
    """Every record of ``obj`` (optionally ``FIELD=value`` only), the given fields as text."""
    from intacct.protocol import query as q

    condition = None
    if where:
        ((field, value),) = where.items()
        condition = q.equalto(field, value)
    with client(server, company) as c:
        found = c.iter_query(obj, list(fields), filter=condition)
        return [{f: r.get(f) for f in fields} for r in found]
