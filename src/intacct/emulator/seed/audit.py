"""AUDITHISTORY: who created, changed, opened or deleted a record, when, and through which
channel.

Only the records people care to trace get history (parties, documents, payments, journal
entries), as in a real company's audit trail. OBJECTKEY is what
``catalog.audit.object_key`` says, the same rule the store follows for records written
through the gateway: the object's business id (a VENDORID) where it has one, else the
RECORDNO. ACCESSMODE is a word of ``catalog.audit.ACCESS_MODES``. The trail also holds
what the tables no longer do: records entered by mistake and deleted again (their Create
and Delete rows, so a reader of deletes finds some), and the Access and Activity rows of
people opening parties and sending invoices. The rows have no audit fields or entity of
their own.
"""

from __future__ import annotations

from intacct.emulator.catalog import load_catalog
from intacct.emulator.catalog.audit import ACCESS_MODES, object_key
from intacct.emulator.seed.clock import IMPORT_AT, dt
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.names import ADMIN, INTEGRATION, USERS

__all__ = ["document_history", "history", "party_history"]

_MODES = frozenset(ACCESS_MODES.values())
# chosen by record number, never drawn, so the random stream (and every row) is unchanged
_OPENED_EVERY = 25  # parties someone looked at (Access)
_DUPLICATE_EVERY = 40  # parties entered twice, the copy deleted
_SENT_EVERY = 12  # invoices printed or e-mailed to the customer (Activity) [U]
_VOIDED_EVERY = 60  # documents entered by mistake and deleted before posting


def history(
    ctx: Context,
    obj: str,
    key: int,
    desc: str,
    created: int,
    user: int,
    mode: str = "Create",
    source: str = "ui",
    ident: str | None = None,
) -> None:
    """One AUDITHISTORY row for record ``key`` (RECORDNO) of ``obj`` whose business id,
    for objects that have one, is ``ident``."""
    if mode not in _MODES:
        raise ValueError(f"AUDITHISTORY ACCESSMODE {mode!r} is not one of {sorted(_MODES)}")
    definition = load_catalog()[obj]
    values: dict[str, object] = {"RECORDNO": key}
    if definition.id_field and ident is not None:
        values[definition.id_field] = ident
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
            "OBJECTKEY": object_key(definition, values),
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
    history(ctx, obj, rec, name, created, by, source=source, ident=pid)
    if modified > created:
        mode_by = ADMIN if bulk else by
        history(ctx, obj, rec, name, modified, mode_by, "Modify", "csv" if bulk else "ui", pid)
    if rec % _OPENED_EVERY == 3:
        history(ctx, obj, rec, name, modified + 600, by, "Access", "ui", pid)
    if rec % _DUPLICATE_EVERY == 5:  # from the fifth on: small companies have one too
        ghost = f"{pid.rstrip('0123456789')}{90_000 + rec}"
        history(ctx, obj, rec, f"{name} (duplicate)", created + 60, by, ident=ghost)
        history(ctx, obj, rec, f"{name} (duplicate)", created + 3_600, ADMIN, "Delete", "ui", ghost)


def document_history(
    ctx: Context, obj: str, rec: int, desc: str, created: int, by: int, sent: bool
) -> None:
    """A bill's or invoice's creation; an invoice (``sent``) is now and then printed or
    e-mailed from its page (Activity); and now and then the clerk enters a document twice
    and deletes the copy at once: it takes the next RECORDNO, which no record then holds,
    so its Create and Delete are all that is left of it."""
    history(ctx, obj, rec, desc, created, by)
    if sent and rec % _SENT_EVERY == 5:
        history(ctx, obj, rec, desc, created + 900, by, "Activity")
    if rec % _VOIDED_EVERY == 30:
        ghost = ctx.recordno(obj)
        history(ctx, obj, ghost, f"{desc} (entered twice)", created + 120, by)
        history(ctx, obj, ghost, f"{desc} (entered twice)", created + 300, by, "Delete")
