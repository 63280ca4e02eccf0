"""A company's REST catalog, found at run time: the packaged catalog
(:func:`~intacct.protocol.rest_catalog.rest_catalog`) and what the company's model
service says (portal: core OpenAPI, ``GET /services/core/model``), as one
:class:`~intacct.protocol.rest_catalog.RestCatalog` value per run.

**What is read, once per run.** The list of the company's objects (the model service
without ``name``: one request), then the model of each object the run needs
(``name=objects/<path>``: one request each, up to ``concurrency`` at a time, the client's
``max_concurrency``: each in one of the company's request slots and under the client's
one retry policy, as every request): every listed object the packaged catalog
lacks (a REST-only or custom object: a stream, whose columns its model types) and the
objects the run reads through REST (their custom fields, ``nsp::<NAME>``). Objects the
packaged catalog has and the run does not read through REST cost nothing; a client
without the OAuth app reads nothing and gets the packaged catalog. Model requests bill
no API transaction (as XML's ``lookup``).

**The cache, and when it is refreshed.** XML's ``inspect``/``lookup`` answers live for
the run only (:class:`~intacct.client.registry.ObjectRegistry`), and a lookup is one
request for a hundred objects; REST's models are one request each, so they are also
kept on disk, one JSON file per company and API address in the cache folder the caller
names (``intacct sync``: the user's cache folder, ``rest-models/``), holding the list
answer and the models read. The rule:

* the list is read every run; an answer other than the cached one (the company added or
  removed an object) drops every cached model: each is read again when needed;
* otherwise a model the cache holds is used as it is, and one it lacks is read and kept;
* a run that meets a field the model lacks (an XML custom field with no ``nsp::`` twin,
  a record to write naming one) reads that object's model again (:meth:`refresh`, once
  per object and run), and keeps the new answer if it differs;
* a file that cannot be read or is of another format is no cache (read again, rewritten).

**Threads.** One lock guards the list, the models and the cache file: a caller that
needs models holds it while they are read (side by side, on a pool of its own), so two
callers never read the same model twice, and a caller finds every model it asked for
read when it returns.

[U] Sage's list answer carries no version or change time per object, so a field added
to an object is seen by the rule's third point, not by the list.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from intacct.client.kept import write_whole
from intacct.client.rest import RestApi
from intacct.errors import IntacctError, ResponseFormatError
from intacct.protocol.rest_catalog import RestCatalog, rest_catalog, xml_named

__all__ = ["CACHE_FORMAT", "RestDiscovery", "cache_file"]

log = logging.getLogger("intacct.client")

#: the cache file's format; another one is no cache (1 kept a model's fields sorted by
#: name, and which of two clashing names gets a column of its own follows their order)
CACHE_FORMAT = 2

#: a model the service refused (not kept, read again when next needed)
_REFUSED = object()


def cache_file(folder: Path, rest_url: str, company_id: str) -> Path:
    """The cache file of one company at one API address, in ``folder``."""
    digest = hashlib.sha256(f"{rest_url}\n{company_id}".encode()).hexdigest()[:20]
    return folder / f"{digest}.json"


class RestDiscovery:
    """One run's REST catalog of a company (rules in the module docstring). ``api``
    makes the REST API to ask (None: the client has no OAuth app); ``cache``: the
    cache file, or None for none; ``concurrency``: the model requests in flight at once
    (the client's ``max_concurrency``). Safe to share between threads."""

    def __init__(
        self,
        api: Callable[[], RestApi] | None,
        cache: Path | None = None,
        packaged: RestCatalog | None = None,
        concurrency: int = 1,
    ) -> None:
        self._api, self._cache = api, cache
        self._concurrency = max(1, concurrency)
        self._packaged = packaged if packaged is not None else rest_catalog()
        self._lock = threading.Lock()
        self._listed: list[str] | None = None
        self._list_answer: Any = None
        self._models: dict[str, Any] = {}
        self._fresh: set[str] = set()  # models read from the service this run
        self._catalog = self._packaged
        self._built = 0  # the models the catalog value was made of
        #: requests this run sent to the model service (the list and each model)
        self.requests = 0

    @property
    def packaged(self) -> RestCatalog:
        return self._packaged

    def for_streams(self, names: Iterable[str]) -> RestCatalog:
        """The catalog a run of the streams ``names`` needs: the packaged one, without
        a request, when every one is an XML object (upper case); else :meth:`catalog`."""
        if all(xml_named(name) for name in names):
            return self._catalog
        return self.catalog()

    def listed(self) -> list[str]:
        """The REST paths the company's model service lists (read once per run; the
        packaged catalog's where the client has no OAuth app)."""
        with self._lock:
            return list(self._list())

    def catalog(self, paths: Iterable[str] = ()) -> RestCatalog:
        """The run's catalog with the models of ``paths`` (those the company lists)
        and of every listed object the packaged catalog lacks."""
        with self._lock:
            if self._api is None:
                return self._catalog
            listed = self._list()
            on_list = set(listed)
            wanted = [p for p in dict.fromkeys(paths) if p in on_list]
            wanted += [p for p in listed if p not in self._packaged and p not in wanted]
            missing = [p for p in wanted if p not in self._models and p not in self._fresh]
            self._read_models(missing)
            if missing:
                self._save()
            if self._built != len(self._models) or missing:
                self._catalog = self._packaged.with_models(self._models)
                self._built = len(self._models)
            return self._catalog

    def refresh(self, path: str) -> RestCatalog:
        """The catalog with ``path``'s model read again (the run met a field it lacks),
        at most once per object and run."""
        with self._lock:
            if self._api is None or path in self._fresh or path not in set(self._list()):
                return self._catalog
            before = self._models.get(path)
            self._read_models([path])
            if self._models.get(path) != before:
                self._save()
                self._catalog = self._packaged.with_models(self._models)
            return self._catalog

    def _list(self) -> list[str]:
        """Called under the lock."""
        if self._listed is not None:
            return self._listed
        if self._api is None:
            self._listed = list(self._packaged)
            return self._listed
        self.requests += 1
        answer = self._api().models().result
        if not isinstance(answer, list):
            raise ResponseFormatError("the model service answered no list of objects")
        paths = [_path(item) for item in answer]
        self._listed = [p for p in paths if p]
        self._list_answer = answer
        cached = self._load()
        if cached is not None and cached.get("list") == answer:
            models = cached.get("models")
            self._models = dict(models) if isinstance(models, dict) else {}
        return self._listed

    def _read_models(self, paths: list[str]) -> None:
        """Called under the lock: one request per path, up to ``concurrency`` at once;
        the answers are kept in ``paths``' order, whatever order they came in."""
        if not paths:
            return
        assert self._api is not None
        api = self._api()
        self.requests += len(paths)
        workers = min(self._concurrency, len(paths))
        if workers == 1:
            answers = [_read_model(api, path) for path in paths]
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="intacct-model") as pool:
                answers = list(pool.map(lambda path: _read_model(api, path), paths))
        for path, answer in zip(paths, answers, strict=True):
            self._keep(path, answer)

    def _keep(self, path: str, answer: Any) -> None:
        """Called under the lock: a refused or empty model leaves the object out
        (said in the log: the run goes on without it)."""
        if answer is _REFUSED:
            return
        self._fresh.add(path)
        if isinstance(answer, Mapping) and isinstance(answer.get("fields"), Mapping):
            self._models[path] = answer
        else:
            log.warning("REST object %s: the model service answered no fields", path)

    def _load(self) -> dict[str, Any] | None:
        if self._cache is None:
            return None
        try:
            data = json.loads(self._cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        return data

    def _save(self) -> None:
        if self._cache is None:
            return
        data = {"format": CACHE_FORMAT, "list": self._list_answer, "models": self._models}
        try:
            # in the service's order: which of two clashing names gets ``__2`` follows it
            write_whole(self._cache, json.dumps(data))
        except OSError as exc:  # no cache is slower, not wrong
            log.warning("the REST model cache %s could not be written (%s)", self._cache, exc)


def _read_model(api: RestApi, path: str) -> Any:
    """``path``'s model as the service answered it; :data:`_REFUSED` (said in the log)
    when it was refused, after the client's retries."""
    try:
        return api.model(f"objects/{path}").result
    except IntacctError as exc:
        log.warning("REST object %s: its model could not be read (%s)", path, exc)
        return _REFUSED


def _path(item: Any) -> str | None:
    """A list entry's REST path: ``objects/accounts-payable/vendor`` -> the path."""
    if not isinstance(item, Mapping):
        return None
    api_object = item.get("apiObject")
    if not isinstance(api_object, str) or not api_object.startswith("objects/"):
        return None
    return api_object.removeprefix("objects/")
