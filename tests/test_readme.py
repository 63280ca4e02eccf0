"""The README's client examples (docs/library.md) run as written, against the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: where the README's library examples live now (README links to it)
LIBRARY = ROOT / "docs" / "library.md"


def _python_blocks() -> list[str]:
    text = README.read_text() + LIBRARY.read_text()
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_readme_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = _python_blocks()
    assert len(blocks) >= 2
    with EmulatorServer(port=0, scale=1000) as server:
        config = client_config(server.url)
        namespace: dict[str, object] = {}
        for block in blocks:
            # the README's placeholder credentials become the emulator's demo tenant
            code = re.sub(r"^config = \{.*?^\}", f"config = {config!r}", block, flags=re.S | re.M)
            exec(compile(code, str(README), "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out
    assert "True" in printed  # the created class
    assert "read success 2" in printed and "create_class success" in printed
