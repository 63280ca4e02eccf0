"""What a run's ledger costs: one cover (the run's ``_intacct_runs`` row advanced before a
billed request is sent) in a DuckDB file, in blocks of 250, so a cost that grows with
the run shows (it did, 1 ms to 80 ms, before the ledger checkpointed the table first).

Usage: ``python benchmarks/ledger.py [--covers 1000]``; prints the median wall and CPU
milliseconds of a cover per block. A billed request of a real gateway takes 300 ms and
more (the latency model), so ~1 ms is what bounds the ledger's share of a run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from intacct.destinations import DuckDBDestination


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--covers", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = DuckDBDestination(Path(folder) / "ledger.duckdb")
        ledger = db.ledger("2026-11-01T00:00:00", "DEMO")
        n = 0
        for block in range(max(1, args.covers // 250)):
            walls, cpu = [], time.process_time()
            for _ in range(250):
                n += 1
                started = time.perf_counter()
                ledger.cover(n)
                walls.append(time.perf_counter() - started)
            per_cpu = (time.process_time() - cpu) / 250
            print(f"covers {block * 250 + 1}-{n}: median {statistics.median(walls) * 1e3:.2f} ms "
                  f"wall, {per_cpu * 1e3:.2f} ms CPU each")  # fmt: skip
        db.record_run("2026-11-01T00:01:00", "ok", [], n)
        db.close()


if __name__ == "__main__":
    main()
