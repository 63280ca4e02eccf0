"""Deterministic demo companies for the emulator: ``DEMO`` and ``DEMO-ME``.

:func:`generate` streams ``(company_id, entity, OBJECT, rows)`` batches. ``entity`` is the
owning entity's location id (``E100``/``E200`` in ``DEMO-ME``) or ``""`` for top-level and
single-entity records. Each row maps catalog field names to Python values: ``int``,
``decimal.Decimal`` (two places), ``str``, ``bool``, ``datetime.date`` and naive
``datetime.datetime`` in company time (server-time stamps in UTC). Enum fields carry the
display value (one of the catalog's ``values``, e.g. ``"active"``), never the readByQuery
code.

Guarantees the store and the tests rely on:

* the same ``(scale, seed)`` gives identical rows in the same order: everything derives
  from ``random.Random(seed)`` and the fixed clock :data:`AS_OF`, never from "now";
* ``RECORDNO`` is assigned here, unique per company and object and starting at 1, so
  references between rows are consistent before anything is stored;
* every row of one object in one company has the same keys (``None`` where empty);
* headers are yielded before their lines and parents before children;
* no batch holds more than :data:`MAX_BATCH_ROWS` rows, and memory stays bounded: only
  master data and the documents still waiting for payment are kept between batches.

Habits of production data the rows copy on purpose:

* **records without WHENMODIFIED**: some VENDOR, CUSTOMER, GLACCOUNT, APBILL and
  ARINVOICE records (every 25th never edited one, see ``unmodified``) have WHENMODIFIED
  empty and WHENCREATED set, as records imported or converted long ago have in real
  companies (intacct-protocol.md "Empty WHENMODIFIED" [O]). These are the objects a
  replication reads first; a reader that filters or orders on WHENMODIFIED alone misses
  them, and the demo company should show it.
* **two clocks on one record**: WHENCREATED and WHENMODIFIED are the company's
  wall-clock time (the demo companies' zone, ``servertime.ZONE``), AUWHENCREATED the
  same moment in server time, UTC (intacct-protocol.md "Time zones" [O]).

Volume: ``DEMO`` holds about ``scale`` rows in all, ``DEMO-ME`` about ``scale / 10``
(at least :data:`ME_FLOOR`). Journal lines and the GL detail view dominate, as in real
companies: every posted bill, invoice, payment and deposit writes a journal entry.

The modules, one job each:

* ``company``: which companies exist and the order their data is written in;
* ``context``: record numbers, audit fields, entity stamps and the buffered batches;
* ``clock``, ``common``: the fixed history, timing draws and small arithmetic;
* ``names``, ``reference``, ``chart``: reference tables; ``model``: what is kept in memory;
* ``configuration``, ``ledger``: company-wide setup and the general ledger's setup;
* ``dimensions``, ``contacts``, ``parties``, ``inventory``, ``cash``, ``projects``: master
  data, deposits and timesheets;
* ``journal``: balanced journal entries and the GL detail view;
* ``sides``, ``subledger``, ``payables``, ``receivables``, ``credits``: accounts payable
  and receivable as one implementation, told apart by data and a few policies;
* ``audit``: the AUDITHISTORY trail; ``unmodified``: records without WHENMODIFIED;
  ``servertime``: the audit stamps written in server time;
* ``generic``: rows for every other catalog object, built from its definition and
  ``seed`` hints after the hand-written data (the objects it fills are learnt from the
  stream, so a hand-written module for one simply takes over).
"""

from __future__ import annotations

from intacct.emulator.seed.clock import AS_OF, START
from intacct.emulator.seed.common import Batch, Row
from intacct.emulator.seed.company import COMPANIES, ENTITIES, ME_FLOOR, generate, generate_company
from intacct.emulator.seed.context import MAX_BATCH_ROWS
from intacct.emulator.seed.names import USERS

__all__ = [
    "AS_OF",
    "COMPANIES",
    "ENTITIES",
    "MAX_BATCH_ROWS",
    "ME_FLOOR",
    "START",
    "USERS",
    "Batch",
    "Row",
    "generate",
    "generate_company",
]
