"""The tap's TRIALBALANCE stream: discovered beside the objects, read through
get_trialbalance month by month, keyed by month, account and entity."""

from __future__ import annotations

from intacct.emulator.server import EmulatorServer
from intacct.tap import TapSageIntacct

from .conftest import catalog, run_tap, tap_config


def test_the_trial_balance_is_a_stream_of_months_and_accounts(emulator: EmulatorServer) -> None:
    chosen = catalog(emulator, ("TRIALBALANCE",))
    (entry,) = chosen["streams"]
    assert entry["key_properties"] == ["PERIODSTART", "GLACCOUNTNO"]
    config = tap_config(emulator, start_date="2026-01-01T00:00:00Z")
    messages = run_tap(TapSageIntacct(config=config, catalog=chosen))
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert records and {r["PERIODSTART"][:7] for r in records} >= {"2026-01", "2026-02"}
    keys = [(r["PERIODSTART"], r["GLACCOUNTNO"]) for r in records]
    assert len(keys) == len(set(keys)) and {r["_entity_id"] for r in records} == {None}
    state = [m for m in messages if m["type"] == "STATE"][-1]["value"]
    assert "month" in state["bookmarks"]["TRIALBALANCE"]["entities"][""]
