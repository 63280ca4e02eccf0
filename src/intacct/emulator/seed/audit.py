"""AUDITHISTORY: who created or changed a record, when, and through which channel.

Only the records people care to trace get history (parties, documents, payments, journal
entries), as in a real company's audit trail. The rows have no audit fields or entity of
their own.
"""

from __future__ import annotations

from intacct.emulator.seed.clock import IMPORT_AT, dt
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.names import ADMIN, INTEGRATION, USERS

__all__ = ["history", "party_history"]

_OPENED_EVERY = 25  # parties someone looked at (ACCESSMODE Access)
_DUPLICATE_EVERY = 40  # parties entered twice, the copy deleted


def history(
    ctx: Context,
    obj: str,
    key: int,
    desc: str,
    created: int,
    user: int,
    mode: str = "Create",
    source: str = "ui",
    objectkey: str | None = None,
) -> None:
    """One AUDITHISTORY row for record ``key`` (RECORDNO) of ``obj``; ``objectkey`` is
    the business id of objects that have one (OBJECTKEY is the object's key field, as
    ``catalog.audit.object_key`` says), else the RECORDNO is."""
    no = ctx.recordno("AUDITHISTORY")
    ctx.sink.add(
        "",
        "AUDITHISTORY",
        {
            "RECORDNO": no,
            "ID": str(no),
            "USERID": USERS[user - 1][0],
            "ACCESSTIME": dt(created),
            "ACCESSMODE": mode,
            # the integration user only ever works through the API
            "SOURCE": "api" if user == INTEGRATION and source == "ui" else source,
            "OBJECTTYPE": obj.lower(),
            "OBJECTKEY": objectkey or str(key),
            "OBJECTDESC": desc,
            "WORKFLOWACTION": None,
            "IPADDRESS": f"10.20.{key % 250}.{user * 7}",
        },
    )


def party_history(
    ctx: Context,
    obj: str,
    rec: int,
    pid: str,
    name: str,
    created: int,
    modified: int,
    by: int,
    bulk: bool,
) -> None:
    """A vendor's or customer's creation (by CSV on import day) and its later edit, if any
    (by CSV when it was the bulk update); now and then someone opened it, and now and
    then a party entered next to it was deleted again (a duplicate: its id exists only in
    the trail, so a reader sees the delete of a record it may never have read)."""
    source = "csv" if created == IMPORT_AT[obj] else "ui"
    history(ctx, obj, rec, name, created, by, source=source, objectkey=pid)
    if modified > created:
        mode_by = ADMIN if bulk else by
        history(ctx, obj, rec, name, modified, mode_by, "Modify", "csv" if bulk else "ui", pid)
    # chosen by record number, not drawn, so the random stream (and every row) is unchanged
    if rec % _OPENED_EVERY == 3:
        history(ctx, obj, rec, name, modified + 600, by, "Access", "ui", pid)
    if rec % _DUPLICATE_EVERY == 0:
        ghost = f"{pid.rstrip('0123456789')}{90_000 + rec}"
        history(ctx, obj, rec, f"{name} (duplicate)", created + 60, by, objectkey=ghost)
        history(ctx, obj, rec, f"{name} (duplicate)", created + 3_600, ADMIN, "Delete", "ui", ghost)
