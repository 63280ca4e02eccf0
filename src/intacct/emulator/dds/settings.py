"""DDS settings, per emulator and per company, kept in memory only (a target's
credentials never reach the store's database file, a log or an answer).

Per emulator: ``queue_s`` (how long a job stays ``Queued`` on the emulator's clock before
it starts), ``run_s`` (how long it is ``Processing`` after it started) [U: Intacct's
pace is unpublished; a real job takes minutes] and ``split_records`` (the most records
a file holds when the job's ``fileConfiguration`` gives no ``splitSize``; [U] 100,000,
the most Sage's SDK lets a job ask for). Per company: ``subscribed`` (the paid DDS
subscription; [U] none by default, as a company that has not bought it), its cloud
storage targets by name, and ``fail_next`` (that many of its next jobs fail when they
start: a job Intacct could not run, for a client's handling of a failed job).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DdsSettings", "Target", "target_from"]

#: a target's keys by kind: Amazon S3 (or any store that speaks its API) and Azure Blob
#: Storage (Intacct's list of cloud storage targets [V] has both; the emulator has no other)
_TARGET_KEYS = {
    "S3": frozenset({"kind", "endpoint_url", "bucket", "prefix", "region", "access_key_id",
                     "secret_access_key"}),
    "Azure": frozenset({"kind", "endpoint_url", "container", "prefix", "account_name",
                        "account_key"}),
}  # fmt: skip
_REQUIRED = {
    "S3": ("endpoint_url", "bucket", "access_key_id", "secret_access_key"),
    "Azure": ("container", "account_name", "account_key"),
}
_GLOBAL_KEYS = frozenset({"queue_s", "run_s", "split_records"})
_COMPANY_KEYS = frozenset({"company", "subscribed", "targets", "fail_next"})


@dataclass(frozen=True)
class Target:
    """A cloud storage target as the company defined it: ``kind`` ``S3`` (an endpoint
    URL, so any store that speaks the S3 API: ``bucket``, ``region``, an access key) or
    ``Azure`` (Blob Storage: ``bucket`` is the container, in the storage account
    ``account_name`` signed with its ``account_key``, at ``endpoint_url`` or else
    Azure's own ``https://<account>.blob.core.windows.net``). [U] Intacct lists Amazon
    S3 and Azure among other kinds (Box, Dropbox, ...) the emulator does not have, and
    does not say which credentials its Azure targets hold: an account key here."""

    name: str
    endpoint_url: str
    bucket: str
    prefix: str = ""
    region: str = "us-east-1"
    access_key_id: str = field(default="", repr=False)
    secret_access_key: str = field(default="", repr=False)
    kind: str = "S3"
    account_name: str = ""
    account_key: str = field(default="", repr=False)

    def public(self) -> dict[str, str]:
        """What the control shows of it: no credential."""
        if self.kind == "Azure":
            return {
                "kind": self.kind,
                "endpoint_url": self.endpoint_url,
                "container": self.bucket,
                "prefix": self.prefix,
                "account_name": self.account_name,
            }
        return {
            "kind": self.kind,
            "endpoint_url": self.endpoint_url,
            "bucket": self.bucket,
            "prefix": self.prefix,
            "region": self.region,
        }


def target_from(name: str, given: Any) -> Target:
    """A target from the control's JSON; ValueError naming what is wrong (never a
    credential's value)."""
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ValueError("a target's name is a non-empty string of at most 100 characters")
    if not isinstance(given, Mapping):
        keys = ", ".join(sorted(_TARGET_KEYS["S3"]))
        raise ValueError(f"target {name!r}: give an object of {keys} (or kind Azure's)")
    kind = given.get("kind", "S3")
    if kind not in _TARGET_KEYS:
        raise ValueError(f"target {name!r}: kind is S3 or Azure, the ones the emulator has")
    unknown = sorted(set(given) - _TARGET_KEYS[kind])
    if unknown:
        raise ValueError(f"target {name!r} of kind {kind} has no {', '.join(unknown)}")
    for key in _TARGET_KEYS[kind] - {"kind"}:
        if key in given and not isinstance(given[key], str):
            raise ValueError(f"target {name!r}: {key} must be a string")
    for key in _REQUIRED[kind]:
        if not given.get(key):
            raise ValueError(f"target {name!r} needs {key}")
    endpoint = given.get("endpoint_url") or ""
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"target {name!r}: endpoint_url must be an absolute http(s) URL")
    prefix = str(given.get("prefix", "")).strip("/")
    if kind == "Azure":
        account = given["account_name"]
        return Target(
            name=name,
            endpoint_url=endpoint or f"https://{account}.blob.core.windows.net",
            bucket=given["container"],
            prefix=prefix,
            kind=kind,
            account_name=account,
            account_key=given["account_key"],
        )
    return Target(
        name=name,
        endpoint_url=endpoint,
        bucket=given["bucket"],
        prefix=prefix,
        region=given.get("region") or "us-east-1",
        access_key_id=given["access_key_id"],
        secret_access_key=given["secret_access_key"],
    )


@dataclass
class _Company:
    subscribed: bool = False
    targets: dict[str, Target] = field(default_factory=dict)
    fail_next: int = 0


class DdsSettings:
    """The emulator's DDS settings; every read and change holds one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.queue_s = 2.0
        self.run_s = 3.0
        self.split_records = 100_000
        self._companies: dict[str, _Company] = {}

    def configure(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The control's body: the emulator's pace and split, or one company's settings
        (``{"company": "DEMO", "subscribed": true, "targets": {"NAME": {...} or null},
        "fail_next": 1}``); answers :meth:`snapshot`. ValueError naming what is wrong,
        nothing changed then."""
        unknown = sorted(set(changes) - _GLOBAL_KEYS - _COMPANY_KEYS)
        if unknown:
            raise ValueError(f"the DDS settings have no {', '.join(unknown)}")
        pace = {k: _seconds(k, changes[k]) for k in ("queue_s", "run_s") if k in changes}
        split = changes.get("split_records")
        if split is not None and (type(split) is not int or not 1 <= split <= 100_000):
            raise ValueError("split_records is a whole number from 1 to 100000")
        company = self._company_changes(changes)
        with self._lock:
            for key, value in pace.items():
                setattr(self, key, value)
            if split is not None:
                self.split_records = split
            if company is not None:
                company_id, subscribed, targets, fail_next = company
                held = self._companies.setdefault(company_id, _Company())
                if subscribed is not None:
                    held.subscribed = subscribed
                for name, target in targets.items():
                    if target is None:
                        held.targets.pop(name, None)
                    else:
                        held.targets[name] = target
                if fail_next is not None:
                    held.fail_next = fail_next
        return self.snapshot()

    @staticmethod
    def _company_changes(
        changes: Mapping[str, Any],
    ) -> tuple[str, bool | None, dict[str, Target | None], int | None] | None:
        if not set(changes) & _COMPANY_KEYS:
            return None
        company = changes.get("company")
        if not isinstance(company, str) or not company:
            raise ValueError('name the company: {"company": "DEMO", ...}')
        subscribed = changes.get("subscribed")
        if subscribed is not None and not isinstance(subscribed, bool):
            raise ValueError("subscribed is true or false")
        given = changes.get("targets", {})
        if not isinstance(given, Mapping):
            raise ValueError('targets is an object: {"NAME": {...}} (null removes one)')
        targets = {n: None if t is None else target_from(n, t) for n, t in given.items()}
        fail_next = changes.get("fail_next")
        if fail_next is not None and (type(fail_next) is not int or fail_next < 0):
            raise ValueError("fail_next is a whole number from 0")
        return company.upper(), subscribed, targets, fail_next

    def snapshot(self) -> dict[str, Any]:
        """Every setting, targets without their credentials."""
        with self._lock:
            return {
                "queue_s": self.queue_s,
                "run_s": self.run_s,
                "split_records": self.split_records,
                "companies": {
                    company: {
                        "subscribed": held.subscribed,
                        "targets": {n: t.public() for n, t in held.targets.items()},
                        "fail_next": held.fail_next,
                    }
                    for company, held in self._companies.items()
                },
            }

    def subscribed(self, company: str) -> bool:
        with self._lock:
            held = self._companies.get(company.upper())
            return held is not None and held.subscribed

    def target(self, company: str, name: str) -> Target | None:
        with self._lock:
            held = self._companies.get(company.upper())
            return None if held is None else held.targets.get(name)

    def take_failure(self, company: str) -> bool:
        """Whether the company's job starting now is to fail (one of ``fail_next``)."""
        with self._lock:
            held = self._companies.get(company.upper())
            if held is None or held.fail_next <= 0:
                return False
            held.fail_next -= 1
            return True

    def pace(self) -> tuple[float, float, int]:
        with self._lock:
            return self.queue_s, self.run_s, self.split_records

    def clear(self) -> None:
        """Back to the defaults: no company subscribed, no target."""
        with self._lock:
            self.queue_s, self.run_s, self.split_records = 2.0, 3.0, 100_000
            self._companies.clear()


def _seconds(key: str, value: Any) -> float:
    if type(value) not in (int, float) or not 0 <= value <= 86_400:
        raise ValueError(f"{key} is a number of seconds from 0 to 86400")
    return float(value)
