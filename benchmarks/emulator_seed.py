"""Time and disk to seed the emulator's demo company into a SQLite file.

python benchmarks/emulator_seed.py [--scales 100000,1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from intacct.emulator.demo import install_demo
from intacct.emulator.store import Store

from _report import write_section


def seed(scale: int, folder: Path) -> tuple[int, float, int]:
    """(rows, seconds, bytes on disk) for one scale."""
    path = folder / f"demo-{scale}.sqlite"
    started = time.perf_counter()
    store = Store(path)
    rows = sum(install_demo(store, scale, 0).values())
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    store.close()
    size = sum(p.stat().st_size for p in folder.glob(f"demo-{scale}.sqlite*"))
    return rows, seconds, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="100000,1000000")
    args = parser.parse_args()
    rows_md = [
        "| --scale | rows | seconds | rows / s | disk MB |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            rows, seconds, size = seed(scale, Path(tmp))
            rows_md.append(
                f"| {scale:,} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | "
                f"{size / 1e6:.0f} |"
            )
    text = "\n".join(
        [
            "Generate the demo companies (DEMO at --scale, DEMO-ME at about a tenth) and load "
            "them into a new SQLite file (WAL, indexes built first), one process, "
            "checkpointed at the end.",
            "",
            *rows_md,
            "",
            "Aim (issue 3): 1M records seeded in under 2 minutes.",
        ]
    )
    write_section("Emulator seed time and disk", "python benchmarks/emulator_seed.py", text)
    print(text)


if __name__ == "__main__":
    main()
