"""Seeded demo databases copied instead of seeded again (``INTACCT_EMULATOR_SEED_CACHE``,
which the test run sets): a copy holds what a fresh seeding holds, and each emulator's
copy is its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct.emulator.checksum import company_checksums
from intacct.emulator.demo import SEED_CACHE
from intacct.emulator.inprocess import InProcessEmulator


def _sums(emulator: InProcessEmulator) -> dict[str, object]:
    return {c: company_checksums(emulator.store, c) for c in ("DEMO", "DEMO-ME")}


def test_a_copy_holds_what_seeding_holds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(SEED_CACHE)
    with InProcessEmulator(scale=300, seed=5) as fresh:
        seeded = _sums(fresh)
    monkeypatch.setenv(SEED_CACHE, str(tmp_path))
    with (
        InProcessEmulator(scale=300, seed=5) as first,
        InProcessEmulator(scale=300, seed=5) as second,
    ):
        assert _sums(first) == seeded == _sums(second)
        assert len(list(tmp_path.glob("demo-300-5-*.sqlite"))) == 1  # seeded once
        first.store.db.execute('DELETE FROM "obj_VENDOR"')  # a copy is the emulator's own
        assert _sums(second) == seeded != _sums(first)
