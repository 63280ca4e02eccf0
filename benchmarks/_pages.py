"""Captured gateway traffic: every (request, answer) pair of one ``intacct sync`` run,
recorded at the HTTP level, stored on disk, and answered again without the emulator.

A request is matched by its content with the values that change from run to run
normalised: the control block's and the functions' control ids and the session id.
Answers go back as captured, but for the session's timeout, moved ahead so that a replay
long after the capture is not a session about to expire (the client checks it). The
client checks no control id of an answer (it pairs results with functions by their
order), so those stay as captured.

A capture is kept for one scale, concurrency and version of ``src/intacct`` (the
planner's ranges depend on the concurrency and on the code): anything else captures again.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Generic, TypeVar

import httpx
from lxml import etree

T = TypeVar("T")
SRC = Path(__file__).resolve().parents[1] / "src" / "intacct"
_PER_RUN = [
    (re.compile(rb"<controlid>[^<]*</controlid>"), b"<controlid/>"),
    (re.compile(rb'controlid="[^"]*"'), b'controlid=""'),
    (re.compile(rb"<sessionid>[^<]*</sessionid>"), b"<sessionid/>"),
]
_TIMEOUT = re.compile(rb"<sessiontimeout>[^<]*</sessiontimeout>")
_HEAD = 4096  # the authentication block is at an answer's start


def normalised(request: bytes) -> bytes:
    for pattern, fixed in _PER_RUN:
        request = pattern.sub(fixed, request)
    return request


def fingerprint() -> str:
    """The version of the code that makes the requests (every module of ``intacct``)."""
    digest = hashlib.sha256()
    for path in sorted(SRC.rglob("*.py")):
        digest.update(path.relative_to(SRC).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Page:
    """A read of one object's records (a range's page): the answer and its count."""

    object: str
    body: bytes
    records: int


@dataclass
class Capture:
    pairs: list[tuple[bytes, bytes]]
    counts: dict[str, int] = field(default_factory=dict)  # records per object, as synced

    def save(self, where: Path) -> None:
        where.mkdir(parents=True, exist_ok=True)
        for n, (request, answer) in enumerate(self.pairs):
            (where / f"{n:05}.req.gz").write_bytes(gzip.compress(request, 1))
            (where / f"{n:05}.xml.gz").write_bytes(gzip.compress(answer, 1))
        manifest = {"fingerprint": fingerprint(), "pairs": len(self.pairs), "counts": self.counts}
        (where / "manifest.json").write_text(json.dumps(manifest, indent=1))

    @classmethod
    def load(cls, where: Path) -> Capture:
        manifest = json.loads((where / "manifest.json").read_text())
        pairs = [
            (_gunzip(where / f"{n:05}.req.gz"), _gunzip(where / f"{n:05}.xml.gz"))
            for n in range(manifest["pairs"])
        ]
        return cls(pairs, manifest["counts"])

    @staticmethod
    def counts_at(where: Path) -> dict[str, int]:
        """The records per object, without loading the pages."""
        counts: dict[str, int] = json.loads((where / "manifest.json").read_text())["counts"]
        return counts

    @staticmethod
    def usable(where: Path) -> bool:
        manifest = where / "manifest.json"
        return (
            manifest.exists()
            and json.loads(manifest.read_text()).get("fingerprint") == fingerprint()
        )

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    def pages(self) -> list[Page]:
        """The answers that carry the objects' records: one ``query`` function, not a
        planning question (those ask for one record)."""
        return [page for request, answer in self.pairs if (page := _page(request, answer))]

    def answer_bytes(self) -> int:
        return sum(len(answer) for _, answer in self.pairs)


def _gunzip(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


def _page(request: bytes, answer: bytes) -> Page | None:
    root = etree.fromstring(request)
    functions = root.findall("operation/content/function")
    query = functions[0].find("query") if len(functions) == 1 else None
    if query is None or query.findtext("pagesize") == "1":
        return None
    count = re.search(rb'<data\b[^>]*?\scount="(\d+)"', answer[:_HEAD])
    return Page(query.findtext("object") or "", answer, int(count[1]) if count else 0)


class Answers(Generic[T]):
    """The captured answers by normalised request, each made ready once by ``prepare``
    (the gateway compresses them); a request captured more than once (a login per
    entity) gets its answers in turn."""

    def __init__(self, capture: Capture, prepare: Callable[[bytes], T]) -> None:
        expires = (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        timeout = b"<sessiontimeout>" + expires.encode() + b"</sessiontimeout>"
        grouped: dict[bytes, list[T]] = {}
        for request, answer in capture.pairs:
            fresh = _TIMEOUT.sub(timeout, answer[:_HEAD], count=1) + answer[_HEAD:]
            grouped.setdefault(normalised(request), []).append(prepare(fresh))
        self._turns = {k: itertools.cycle(v) for k, v in grouped.items()}
        self._lock = threading.Lock()

    def answer(self, request: bytes) -> T | None:
        turns = self._turns.get(normalised(request))
        if turns is None:
            return None
        with self._lock:
            return next(turns)


def not_captured(request: bytes) -> str:
    """Says which request the capture lacks (never its secrets: only function names)."""
    names = re.findall(rb"<function [^>]*><(\w+)", request)
    objects = re.findall(rb"<object>(\w+)</object>", request)
    return (
        f"request not captured: {b','.join(names).decode()} of {b','.join(objects).decode()}; "
        "the code changed how it asks since the capture: run with --recapture"
    )


class ReplayTransport(httpx.BaseTransport):
    """Answers each request with its captured answer, in this process."""

    def __init__(self, capture: Capture, answers: Answers[bytes] | None = None) -> None:
        """``answers``: prepared once for several runs (indexing 600 MB of answers is
        the replay's work, not the run's)."""
        self.answers = answers or Answers(capture, lambda answer: answer)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        answer = self.answers.answer(body)
        if answer is None:
            return httpx.Response(400, text=not_captured(body), request=request)
        headers = {"Content-Type": "text/xml; charset=UTF-8"}
        return httpx.Response(200, headers=headers, content=answer, request=request)


class RecordingTransport(httpx.BaseTransport):
    """Passes requests on to ``inner`` and keeps each request with its (decoded) answer;
    an answer other than HTTP 200 (a throttle) is counted in ``refused``, not kept."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.pairs: list[tuple[bytes, bytes]] = []
        self.refused = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        content = response.read()  # decoded: the answer is given back uncompressed
        with self._lock:
            if response.status_code == 200:
                self.pairs.append((body, content))
            else:
                self.refused += 1
        headers = {"Content-Type": response.headers.get("content-type", "text/xml")}
        return httpx.Response(
            response.status_code, headers=headers, content=content, request=request
        )
