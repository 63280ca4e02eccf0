"""What the benchmarks that compare ways of reading share: each way measured in a fresh
process of the script (so its peak RSS is that way's alone), and the table of medians."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence

Figures = dict[str, float]
COLUMNS = (
    "| {name} | C | records | requests | API transactions | wall s | CPU s | "
    "CPU ms / 1k records | peak RSS MB |"
)


def report_child(figures: Figures) -> None:
    """In the child: the figures, with this process's peak RSS, as its last line."""
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def measured(script: str, way: str, url: str, concurrency: int, *extra: str) -> Figures:
    """``script --child way url C [extra…]`` run to its end; the figures it printed."""
    command = [sys.executable, script, "--child", way, url, str(concurrency), *extra]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{way} at C={concurrency} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def table(
    results: dict[tuple[str, int], list[Figures]],
    name: str,
    order: Sequence[str],
    shown: Callable[[str], str] = str,
) -> str:
    """Medians per (way, C), C then ``order``; ``name`` heads the first column."""

    def median(runs: list[Figures], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    lines = [COLUMNS.format(name=name), "|---|---|---|---|---|---|---|---|---|"]
    for (way, c), runs in sorted(results.items(), key=lambda kv: (kv[0][1], order.index(kv[0][0]))):
        records, cpu = median(runs, "records"), median(runs, "cpu")
        lines.append(
            f"| {shown(way)} | {c} | {records:,.0f} | {median(runs, 'requests'):,.0f} | "
            f"{median(runs, 'transactions'):,.0f} | {median(runs, 'seconds'):.1f} | {cpu:.2f} | "
            f"{1e6 * cpu / max(records, 1):.0f} | {median(runs, 'rss_mb'):.0f} |"
        )
    return "\n".join(lines)
