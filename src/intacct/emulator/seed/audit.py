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


def history(
    ctx: Context,
    obj: str,
    key: int,
    desc: str,
    created: int,
    user: int,
    mode: str = "Create",
    source: str = "ui",
) -> None:
    """One AUDITHISTORY row for record ``key`` of ``obj``."""
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
            "OBJECTKEY": str(key),
            "OBJECTDESC": desc,
            "WORKFLOWACTION": None,
            "IPADDRESS": f"10.20.{key % 250}.{user * 7}",
        },
    )


def party_history(
    ctx: Context,
    obj: str,
    rec: int,
    name: str,
    created: int,
    modified: int,
    by: int,
    bulk: bool,
) -> None:
    """A vendor's or customer's creation (by CSV on import day) and its later edit, if any
    (by CSV when it was the bulk update)."""
    source = "csv" if created == IMPORT_AT[obj] else "ui"
    history(ctx, obj, rec, name, created, by, source=source)
    if modified > created:
        history(
            ctx, obj, rec, name, modified, ADMIN if bulk else by, "Modify", "csv" if bulk else "ui"
        )
