"""Function handlers: read parameters, call the store, render an Outcome. No SQL here
beyond what the query-language translator produces."""

from __future__ import annotations

from intacct.emulator.dispatch import Handler
from intacct.emulator.handlers import dds, legacy, meta, read, reports, session, write

__all__ = ["HANDLERS", "resolve_legacy"]

HANDLERS: dict[str, Handler] = {
    **session.HANDLERS,
    **read.HANDLERS,
    **write.HANDLERS,
    **meta.HANDLERS,
    **legacy.HANDLERS,
    **reports.HANDLERS,
    **dds.HANDLERS,  # last: DDSJOB's reads are the generic ones, jobs moved on first
}

resolve_legacy = legacy.resolve
