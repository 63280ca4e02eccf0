"""Write one benchmark's section of BENCHMARKS.md (replacing an older run of it)."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

REPORT = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"
HEADER = "# Benchmarks\n\nEach section is rewritten by the command it names.\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def write_section(title: str, command: str, body: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else HEADER
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"## {title}\n\nCommand: `{command}`  \nMachine: {machine()}  \nRun: {stamp}\n\n{body}\n"
    )
    pattern = re.compile(rf"## {re.escape(title)}\n.*?(?=\n## |\Z)", re.S)
    text = (
        pattern.sub(lambda _: section.rstrip("\n") + "\n", text)
        if pattern.search(text)
        else (text.rstrip("\n") + "\n\n" + section)
    )
    REPORT.write_text(text.rstrip("\n") + "\n")
