"""The ```python examples of the README and the user's guide (the library's in
docs/library.md, the unified mappings' in docs/tap-and-target.md) run as written, in
order, against the emulator."""

from __future__ import annotations

import re

import pytest

from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from tests.docs import GUIDE, README, blocks, page


def _python_blocks() -> list[str]:
    return [block for name in ("README.md", *GUIDE) for block in blocks(page(name), "python")]


def test_readme_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    examples = _python_blocks()
    assert len(examples) >= 3
    with EmulatorServer(port=0, scale=1000) as server:
        config = client_config(server.url)
        namespace: dict[str, object] = {}
        for block in examples:
            # the placeholder credentials become the emulator's demo tenant
            code = re.sub(r"^config = \{.*?^\}", f"config = {config!r}", block, flags=re.S | re.M)
            exec(compile(code, str(README), "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out
    assert "True" in printed  # the created class
    assert "read success 2" in printed and "create_class success" in printed
    assert "APBILL V10002 6420 120.5" in printed  # the unified mappings' round trip
