"""The allocator settings the engine applies once per process (glibc only), each run in
a fresh interpreter since they are process-wide and made once."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

_ASK = "from intacct.replication.run.memory import tune_allocator as t; print(t(), t())"

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="the settings exist only in glibc",
)


def _ask(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_"))}
    done = subprocess.run(
        [sys.executable, "-c", _ASK], env=clean | env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@glibc_only
def test_applied_once_per_process_on_glibc() -> None:
    assert _ask() == "True True"


@glibc_only
@pytest.mark.parametrize(
    "setting",
    [
        {"MALLOC_ARENA_MAX": "4"},
        {"MALLOC_MMAP_THRESHOLD_": "131072"},
        {"GLIBC_TUNABLES": "glibc.malloc.arena_max=4"},
    ],
)
def test_the_users_own_allocator_settings_win(setting: dict[str, str]) -> None:
    assert _ask(**setting) == "False False"
