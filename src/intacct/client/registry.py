"""The company's objects and what a reader needs to know about each: an object registry.

:class:`ObjectRegistry` lists the objects with one ``inspect`` of ``*`` and describes an
object with one ``lookup`` the first time it is asked for (then from its cache; safe to
share between threads: each object is looked up once however many threads ask). It uses
only the client's public calls. Given a folder, it also keeps the descriptions between
runs (:mod:`~intacct.client.lookup_cache`: looked up again only where a run reads the
object).

For each object an :class:`ObjectInfo` says:

* ``key_field`` — ``RECORDNO`` when the object has it (the key of ``read``/``delete``).
* ``id_field`` — the business id ``readByName`` keys on (VENDORID, ACCOUNTNO, ...). The
  metadata does not name it, so it is derived: the documented ids whose names follow no
  pattern (``_KNOWN_IDS``), else a field named ``<OBJECT>ID``, else a required ``ID``
  field (the groups), else a required ``NAME`` field (terms, periods, units: their name
  is their id [U]), else None. [U] the ids of objects whose names follow no pattern
  (documents' DOCID, account labels' ACCOUNTLABEL, ...) are those the emulator's catalog
  took from their reference pages and SDK classes.
* ``replication_key`` — ``WHENMODIFIED`` when the object has it, else None.
* ``queryable_fields`` — what ``query`` can select, by this rule: the object's own leaf
  fields as ``lookup`` lists them, without dotted names (``DISPLAYCONTACT.EMAIL1``,
  ``PAYTO.CONTACTNAME``). Dotted names are fields of a related or owned record: ``query``
  refuses some of them (XL03000006 "The following fields cannot be queried" [O]) and
  ``lookup`` does not say which, so they are left out; name them explicitly to read them.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from intacct.client.gateway import MAX_FUNCTIONS
from intacct.client.lookup_cache import LookupCache
from intacct.client.metadata import ObjectModel
from intacct.client.rest_discovery import RestDiscovery, cache_file
from intacct.errors import IntacctError, ResponseFormatError
from intacct.protocol import functions as fn
from intacct.protocol.response import Record

if TYPE_CHECKING:
    from intacct.client.gateway import IntacctClient

__all__ = ["ObjectInfo", "ObjectRegistry"]

#: Business ids that are not ``<OBJECT>ID`` (protocol reference §8.1; used only when the
#: object has the field). None: the object's ``<OBJECT>ID`` is not unique (a slip number).
_KNOWN_IDS: dict[str, str | None] = {
    "GLACCOUNT": "ACCOUNTNO",
    "STATACCOUNT": "ACCOUNTNO",
    "GLJOURNAL": "SYMBOL",
    "STATJOURNAL": "SYMBOL",
    "GLBUDGETHEADER": "BUDGETID",
    "CHECKINGACCOUNT": "BANKACCOUNTID",
    "SAVINGSACCOUNT": "BANKACCOUNTID",
    "CREDITCARD": "CARDID",
    "CONTACT": "CONTACTNAME",
    "USERINFO": "LOGINID",
    "LOCATIONENTITY": "LOCATIONID",
    "AUDITHISTORY": "ID",
    "DEPOSIT": None,
    # order entry, purchasing: readByName takes the document id ("Sales Order-SO0001")
    "SODOCUMENT": "DOCID",
    "PODOCUMENT": "DOCID",
    "SODOCUMENTPARAMS": "DOCID",
    "PODOCUMENTPARAMS": "DOCID",
    "INVDOCUMENTPARAMS": "DOCID",
    "INVDOCUMENT": "DOCID",
    "APACCOUNTLABEL": "ACCOUNTLABEL",
    "ARACCOUNTLABEL": "ACCOUNTLABEL",
    "EEACCOUNTLABEL": "ACCOUNTLABEL",
    "GLACCTALLOCATION": "ACCTALLOCATIONID",
    "EMPLOYEEPOSITION": "POSITIONID",
    "TAXSOLUTION": "SOLUTIONID",
    "TAXDETAIL": "DETAILID",
    "GCBOOK": "BOOKID",
    "GCOWNERSHIPSTRUCTURE": "STRUCTURENAME",
    "BINFACE": "FACEID",
    "BINSIZE": "SIZEID",
    "ICROW": "ROWKEY",
    "INVENTORYWQORDER": "ICWQORDERID",
    "FIXEDASSET": None,
}


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What a reader needs to know about one object (rules in the module docstring)."""

    name: str
    model: ObjectModel
    key_field: str | None
    id_field: str | None
    replication_key: str | None
    queryable_fields: tuple[str, ...]

    @classmethod
    def from_model(cls, model: ObjectModel) -> ObjectInfo:
        names = {f.name for f in model.fields}
        return cls(
            name=model.name,
            model=model,
            key_field="RECORDNO" if "RECORDNO" in names else None,
            id_field=_id_field(model),
            replication_key="WHENMODIFIED" if "WHENMODIFIED" in names else None,
            queryable_fields=tuple(f.name for f in model.fields if "." not in f.name),
        )


def _id_field(model: ObjectModel) -> str | None:
    fields = {f.name: f for f in model.fields}
    name = model.name.upper()
    if name in _KNOWN_IDS:
        known = _KNOWN_IDS[name]
        return known if known in fields else None
    if f"{name}ID" in fields:
        return f"{name}ID"
    if "ID" in fields and fields["ID"].required:  # groups: LOCATIONGROUP, VENDORGROUP, ...
        return "ID"
    if "NAME" in fields and fields["NAME"].required:
        return "NAME"
    return None


def _object_names(records: list[Record]) -> list[str]:
    """``<type typename="APBILL">AP Bill</type>`` elements → names."""
    names = []
    for record in records:
        if record.tag != "type":
            continue
        name = record.attributes.get("typename", "").strip()
        if not name:
            raise ResponseFormatError(
                f"inspect '*' answer: a <type> element without a typename ({record.text!r})"
            )
        names.append(name)
    return names


class ObjectRegistry:
    """The objects of the client's company, described lazily and cached."""

    def __init__(
        self,
        client: IntacctClient,
        rest_cache: Path | None = None,
        lookup_cache: Path | None = None,
    ) -> None:
        """``rest_cache``: the folder where the REST models are kept between runs
        (:mod:`~intacct.client.rest_discovery`), ``lookup_cache`` the XML objects'
        descriptions (:mod:`~intacct.client.lookup_cache`); None: for the run only."""
        self._client = client
        api = (lambda: client.rest) if client.speaks_rest else None
        where = client.config
        cache = (
            None if rest_cache is None else cache_file(rest_cache, where.rest_url, where.company_id)
        )
        kept = lookup_cache and cache_file(lookup_cache, where.api_url, where.company_id)
        self._kept = LookupCache(kept or None)
        #: descriptions taken from ``_kept`` this run, not looked up (:meth:`load`)
        self._from_disk: set[str] = set()
        #: those looked up again since and found otherwise (:meth:`redescribed`)
        self._redescribed: set[str] = set()
        #: the run's REST catalog: the packaged one and the company's model service's
        self.rest = RestDiscovery(api, cache, concurrency=where.max_concurrency)
        self._lock = threading.Lock()  # guards the caches, never held during a request
        self._names_lock = threading.Lock()
        self._names: list[str] | None = None
        self._infos: dict[str, ObjectInfo] = {}
        self._loading: dict[str, threading.Lock] = {}

    @property
    def client(self) -> IntacctClient:
        """The client the lookups go through."""
        return self._client

    def objects(self) -> list[str]:
        """Every object's name, in the gateway's order (one ``inspect`` of ``*``)."""
        with self._names_lock:
            if self._names is None:
                self._names = _object_names(self._client.call(fn.Inspect("*")).records)
            return list(self._names)

    def get(self, name: str) -> ObjectInfo:
        """The object's description (one ``lookup`` the first time). An unknown object
        raises the gateway's error for it (:class:`~intacct.errors.ValidationError`)."""
        with self._lock:
            info = self._infos.get(name)
            if info is not None:
                return info
            loading = self._loading.setdefault(name, threading.Lock())
        with loading:  # one lookup per object; other objects are looked up meanwhile
            with self._lock:
                info = self._infos.get(name)
            if info is None:
                kept = self._kept.get(name)
                model = kept if kept is not None else self._client.lookup(name)
                info = ObjectInfo.from_model(model)
                with self._lock:
                    self._infos[name] = info
                    if kept is not None:
                        self._from_disk.add(name)
                self._kept.put({name: model})
        return info

    def load(self, names: Sequence[str], fresh: Collection[str] = ()) -> dict[str, IntacctError]:
        """Look up every object of ``names`` not yet known, up to 100 ``lookup`` functions
        per request (one request instead of one each); the others are cached for
        :meth:`get`. A description kept on disk stands in for a lookup, except for the
        objects of ``fresh`` (those a run reads: looked up again, and kept). Returns the
        objects whose lookup failed, with their errors."""
        with self._lock:
            missing = [
                n
                for n in dict.fromkeys(names)
                if n not in self._infos or (n in fresh and n in self._from_disk)
            ]
        asked = []
        for name in missing:
            kept = None if name in fresh else self._kept.get(name)
            if kept is None:
                asked.append(name)
                continue
            with self._lock:
                self._infos.setdefault(name, ObjectInfo.from_model(kept))
                self._from_disk.add(name)
        failed: dict[str, IntacctError] = {}
        looked: dict[str, ObjectModel] = {}
        for start in range(0, len(asked), MAX_FUNCTIONS):
            chunk = asked[start : start + MAX_FUNCTIONS]
            results = self._client.execute([fn.Lookup(name) for name in chunk])
            for name, result in zip(chunk, results, strict=True):
                try:
                    looked[name] = model = ObjectModel.from_result(result, name)
                except IntacctError as exc:
                    failed[name] = exc
                    continue
                with self._lock:
                    was = self._infos.get(name)
                    if was is not None and was.model != model:
                        self._redescribed.add(name)
                    self._infos[name] = ObjectInfo.from_model(model)
                    self._from_disk.discard(name)
        self._kept.put(looked)
        return failed

    def redescribed(self) -> set[str]:
        """The objects first described from the disk cache and then, looked up again by
        :meth:`load`'s ``fresh``, found otherwise (a custom field added)."""
        with self._lock:
            return set(self._redescribed)

    def model(self, name: str) -> ObjectModel:
        """The object's field model (as :meth:`get`)."""
        return self.get(name).model
