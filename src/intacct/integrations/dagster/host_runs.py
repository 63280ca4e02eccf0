"""The runs of a run worker host (:mod:`.worker`): their processes, their records on the
host's disk, and the watch that keeps them and the Dagster instance in step.

A run is ``dagster api execute_run`` in a process group of its own. Its record,
``<folder>/<run id>.json``, is written before the process starts and names the group's
leader: its pid, with the host's boot and the process's start time, which make that pid
this run's and no later process's; and, once seen, its exit status. A worker whose server
restarts reads the records again and answers for the runs it started, going or ended. A
run is going while any process of its group is (its steps outlive a killed leader): the
host never calls a run ended while a step of it may still write.

The watch (:meth:`HostRuns.watch`, every few seconds, against the host's Dagster
instance) keeps two rules:

- a run Dagster has failed or canceled (run monitoring, a timeout, a termination, by
  hand) whose processes still live is stopped: SIGTERM to its group ``grace_s`` after
  its end (a run that failed by itself is done writing and exits within it), SIGKILL
  ``grace_s`` after that;
- a run Dagster has ended whose processes are all gone has the pool slots it held freed
  (the company's, the fleet's), so the company's next run proceeds: never while one of
  its processes lives.

Processes are read from ``/proc`` (Linux); elsewhere a group is alive while the kernel
takes a signal for it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["HostRuns"]

log = logging.getLogger("intacct.worker")

PROC = Path("/proc")
#: lines of a run's output sent back with an ended run (for the run's failure message)
TAIL_LINES = 20
#: /proc/<pid>/stat's fields after the command's name: state, the group, the start time
_STATE, _GROUP, _START = 0, 2, 19


def _boot() -> str:
    try:
        return (PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        return ""


BOOT = _boot()


@dataclass
class _Run:
    run_id: str
    output: Path
    pid: int | None = None  # None: recorded, its process not yet started
    identity: str = ""  # the host's boot and the leader's start time
    returncode: int | None = None
    #: ended in the instance, its processes gone, its slots freed: the watch is done
    settled: bool = False
    process: subprocess.Popen[bytes] | None = None  # None: an earlier server's child
    stopping_since: float = 0.0  # when the watch sent SIGTERM

    def going(self) -> bool:
        """Whether a process of the run's group lives (reaps this server's own child)."""
        if self.process is not None and self.returncode is None:
            self.returncode = self.process.poll()
        return self.pid is not None and _group_alive(self.pid, self.identity)

    def describe(self, going: bool) -> dict[str, Any]:
        said: dict[str, Any] = {"pid": self.pid, "state": "running"}
        if not going:
            said |= {"state": "exited", "returncode": self.returncode, "tail": _tail(self.output)}
        return said

    def record(self) -> dict[str, Any]:
        keys = ("run_id", "pid", "identity", "returncode", "settled")
        return {k: getattr(self, k) for k in keys}


class HostRuns:
    """The runs this host started, by run id, as its folder records them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.runs: dict[str, _Run] = {}
        self._lock = threading.Lock()
        for path in sorted(folder.glob("*.json")):
            run = _load(path)
            if run is not None:
                self.runs[run.run_id] = run

    def start(self, run_id: str, command: list[str]) -> dict[str, Any]:
        with self._lock:
            known = self.runs.get(run_id)
            if known is not None and self._going(known):
                return known.describe(True)  # a launch retried: never a second process
            run = _Run(run_id, self.folder / f"{run_id}.log")
            self._save(run)  # first: a server killed while starting it still knows it
            with run.output.open("ab") as sink:
                run.process = subprocess.Popen(  # noqa: S603 (Dagster's run worker, token-held)
                    command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
                )
            run.pid, run.identity = run.process.pid, _identity(run.process.pid)
            self.runs[run_id] = run
            self._save(run)
            log.info("run %s started as process %d", run_id, run.pid)
            return run.describe(self._going(run))

    def describe(self, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            run = self.runs.get(run_id)
            if run is None:
                return None
            return run.describe(self._going(run))

    def running(self) -> int:
        with self._lock:
            return sum(1 for run in self.runs.values() if self._going(run))

    def _going(self, run: _Run) -> bool:
        """Whether the run goes, its exit status recorded once seen (the lock held)."""
        known = run.returncode
        going = run.going()
        if run.returncode != known:
            self._save(run)
        return going

    def terminate(self, run_id: str) -> bool:
        """SIGTERM to the run's process group (its steps' processes too)."""
        with self._lock:
            run = self.runs.get(run_id)
            return run is not None and run.going() and _signal(run, signal.SIGTERM)

    def watch(self, instance: Any, grace_s: float) -> None:
        """One pass of the watch (the module's docstring) against ``instance``."""
        from dagster import RunsFilter

        with self._lock:
            pending = [run for run in self.runs.values() if not run.settled]
        if not pending:
            return
        ids = [run.run_id for run in pending]
        records = {r.dagster_run.run_id: r for r in instance.get_run_records(RunsFilter(ids))}
        for run in pending:
            record = records.get(run.run_id)
            with self._lock:
                going = self._going(run)
            if record is None and not going:
                self._settle(instance, run, None)  # a run the instance no longer has
            elif record is None or not record.dagster_run.is_finished:
                continue  # going by Dagster's word too
            elif not going:
                self._settle(instance, run, record)
            elif not record.dagster_run.is_success:  # a success's worker is only closing
                self._stop(instance, run, record, grace_s)

    def _stop(self, instance: Any, run: _Run, record: Any, grace_s: float) -> None:
        """A run Dagster ended whose processes live on: SIGTERM, then SIGKILL."""
        ended = record.end_time or record.update_timestamp.timestamp()
        now = time.time()
        if now - ended < grace_s or (run.stopping_since and now - run.stopping_since < grace_s):
            return
        status = record.dagster_run.status.value
        how = signal.SIGKILL if run.stopping_since else signal.SIGTERM
        said = (f"the run is {status} in the instance but its processes live on this host "
                f"{now - ended:.0f} s after: {how.name} to process group {run.pid}")  # fmt: skip
        # told before the signal: whoever reads the run sees why its slots may go next
        instance.report_engine_event(said, record.dagster_run)
        with self._lock:
            if _signal(run, how):
                log.warning("run %s: %s", run.run_id, said)
        run.stopping_since = run.stopping_since or now

    def _settle(self, instance: Any, run: _Run, record: Any | None) -> None:
        """A run Dagster ended whose processes are all gone: its slots freed."""
        storage = instance.event_log_storage
        if (
            record is not None
            and storage.supports_global_concurrency_limits
            and run.run_id in storage.get_concurrency_run_ids()
        ):
            storage.free_concurrency_slots_for_run(run.run_id)
            said = "its processes are gone on this host: the pool slots it held are freed"
            log.info("run %s (%s): %s", run.run_id, record.dagster_run.status.value, said)
            instance.report_engine_event(said, record.dagster_run)
        with self._lock:
            run.settled = True
            self._save(run)

    def _save(self, run: _Run) -> None:
        path = self.folder / f"{run.run_id}.json"
        part = path.with_suffix(".json.part")
        part.write_text(json.dumps(run.record()), encoding="utf-8")
        os.replace(part, path)  # whole or not at all


def _load(path: Path) -> _Run | None:
    try:
        said = json.loads(path.read_text(encoding="utf-8"))
        run = _Run(str(said["run_id"]), path.with_suffix(".log"), said["pid"],
                   str(said["identity"]), said["returncode"], bool(said["settled"]))  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("run record %s left out: %s", path, exc)
        return None
    if run.pid is None:  # its server was killed while starting it
        run.pid = _find(run.run_id)
        run.identity = _identity(run.pid) if run.pid else ""
    return run


def _signal(run: _Run, how: signal.Signals) -> bool:
    if run.pid is None:
        return False
    try:
        os.killpg(run.pid, how)
    except ProcessLookupError:
        return False
    return True


def _stat(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command's name (None: no such process)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _identity(pid: int) -> str:
    fields = _stat(pid)
    return f"{BOOT}:{fields[_START]}" if fields else ""


def _group_alive(group: int, identity: str) -> bool:
    """Whether a live process (not a zombie) is in the run's process group ``group``."""
    if not (PROC / "self").exists():  # no /proc: whether the kernel takes a signal for it
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    if not identity.startswith(f"{BOOT}:"):
        return False  # started before the host's last boot
    leader = _stat(group)
    if leader is not None and f"{BOOT}:{leader[_START]}" != identity:
        return False  # the pid is another process's now
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields and int(fields[_GROUP]) == group and fields[_STATE] not in "ZX":
                return True
    return False


def _find(run_id: str) -> int | None:
    """The leader of the run's process group, by its command line (None: not running)."""
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"execute_run" not in command or run_id.encode() not in command:
            continue
        fields = _stat(entry.name)
        if fields and int(fields[_GROUP]) == int(entry.name):
            return int(entry.name)
    return None


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-TAIL_LINES:])
