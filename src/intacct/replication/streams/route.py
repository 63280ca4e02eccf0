"""Which API reads an object's records: the one rule, pure (no request, no state).

``xml`` and ``rest`` say it outright. ``auto`` (the default) reads through REST only
what REST reads whole and cheaper: the client has the OAuth app, the object has a REST
twin that holds every field the run asks of it (custom fields included; a stream never
loses a column because auto chose REST), and its records cost fewer API transactions
through REST, whose query pages hold twice XML's (:func:`rest_page_size`). Equal
transactions stay XML: measured, REST reads no faster (BENCHMARKS.md, "The engine's
typed reads"). A candidate's route is :data:`PENDING` until its records are counted
(a first read's plan, a later run's probe: :func:`by_cost`); uncounted, XML.
Deletes (AUDITHISTORY) and the questions batched for every stream are XML's whatever
the route.

``dds``: with a DDS target configured (``dds_target``), a *first read* (or one after
``--full-refresh``) at the top level of an object the company's Data Delivery Service
serves goes through one DDS job once its counted records reach ``dds_min_records``
(:func:`by_dds`); a *later run's changes* of an object whose last DDS job was ours go
through one ``change`` job where paging them would cost more API transactions than the
job, its polls and the check that ours is still the object's last job
(:func:`by_dds_change`); what rules such a read out of DDS says so in its route
(:func:`dds_refused`). Everything else is routed as before.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

__all__ = [
    "DDS_POLLS",
    "PENDING",
    "REST_MAX_PAGE",
    "XML_MAX_PAGE",
    "Route",
    "by_cost",
    "by_dds",
    "by_dds_change",
    "dds_change_cost",
    "dds_cost",
    "dds_refused",
    "fixed_route",
    "pages",
    "rest_page_size",
]

#: the largest page of XML's ``query`` and of REST's query service ("4000 maximum",
#: core OpenAPI's ``size``); each page is one API transaction either way
XML_MAX_PAGE, REST_MAX_PAGE = 2000, 4000


@dataclass(frozen=True, slots=True)
class Route:
    """The API an object's records go through (``xml``, ``rest`` or ``dds``), and why;
    ``kind`` says which DDS job (``change``: a later run's changes)."""

    api: str
    why: str
    kind: str = ""

    def __str__(self) -> str:
        return f"{self.api}{f' {self.kind}' if self.kind else ''} ({self.why})"


#: a candidate of ``auto`` whose records are not counted yet: read as XML until they are
PENDING = Route("xml", "records not counted")


def rest_page_size(page_size: int) -> int:
    """A REST page's records at ``page_size`` (XML's): the same share of each API's
    largest page, so the default 2,000 reads REST in pages of 4,000."""
    return max(1, min(REST_MAX_PAGE, page_size * REST_MAX_PAGE // XML_MAX_PAGE))


def pages(records: int, page_size: int) -> int:
    """Requests (API transactions) to read ``records`` in pages: an empty answer is one."""
    return max(1, math.ceil(records / page_size))


def fixed_route(
    api: str, speaks_rest: bool, twin: bool, asked: Sequence[str], held: Collection[str]
) -> Route | None:
    """The route known before counting (None: the counts decide, :func:`by_cost`):
    ``twin`` whether REST has the object, ``asked`` the XML fields the run reads,
    ``held`` those REST holds."""
    if api == "xml":
        return Route("xml", "api xml")
    if api == "auto" and not speaks_rest:  # its twin is not even looked for
        return Route("xml", "no OAuth app for REST")
    if not twin:
        return Route("xml", "REST has no twin")
    if api == "rest":
        return Route("rest", "api rest")
    lacks = [f for f in asked if f not in held]
    if lacks:
        return Route("xml", f"REST lacks {len(lacks)} field{'s' if len(lacks) > 1 else ''}")
    return None


def by_cost(records: int, page_size: int) -> Route:
    """A candidate's route once its ``records`` to read are counted: REST where its
    pages (an API transaction each) are fewer than XML's at ``page_size``; everything
    else the run asks of it (its questions, its deletes) is XML's either way."""
    xml, rest = pages(records, page_size), pages(records, rest_page_size(page_size))
    if rest < xml:
        return Route("rest", f"{_pages(rest)} against {xml:,} by xml")
    return Route("xml", f"{_pages(xml)} either way; REST measured no faster")


#: [U] the DDSJOB reads a job is expected to take: Sage says neither how long a job
#: queues and runs nor how each read is billed (as every function is, one API
#: transaction each, is assumed, as the emulator bills them)
DDS_POLLS = 2


def dds_cost() -> int:
    """API transactions a DDS job is expected to cost: ``runDdsJob`` and its polls."""
    return 1 + DDS_POLLS


def by_dds(records: int, page_size: int, min_records: int) -> Route | None:
    """A first read's route through DDS once its ``records`` are counted: ``dds`` when
    they reach ``min_records``, priced against the pages by query; None below."""
    if records < min_records:
        return None
    paged = pages(records, page_size)
    return Route("dds", f"1 job, ~{dds_cost()} transactions, against {paged:,} by query")


#: [U] the check before a change job that the object's last DDS job is still ours: one
#: ``query`` of DDSJOB (billed as every query is)
DDS_CHECKS = 1


def dds_change_cost() -> int:
    """API transactions a change job is expected to cost: the check that the object's
    last DDS job is ours, ``runDdsJob`` and its polls."""
    return DDS_CHECKS + dds_cost()


def by_dds_change(records: int, page_size: int, min_records: int) -> Route | None:
    """A later run's route through a DDS change job once its changed ``records`` are
    counted: ``dds change`` when they reach ``min_records`` (a job waits in Intacct's
    queue for minutes that a few pages do not take, as for a first read) and paging them
    costs more API transactions than the job (:func:`dds_change_cost`), priced against
    the pages; None otherwise."""
    paged = pages(records, page_size)
    if records < min_records or paged <= dds_change_cost():
        return None
    return Route(
        "dds", f"1 job, ~{dds_change_cost()} transactions, against {paged:,} by query", "change"
    )


def dds_refused(why: str) -> Route:
    """A read DDS would take, paged instead, and ``why`` (not served, not the top level,
    DDS failed last run, another DDS job ran after ours...)."""
    return Route("xml", f"{why}; paged")


def _pages(count: int) -> str:
    return f"{count:,} page{'s' if count != 1 else ''}"
