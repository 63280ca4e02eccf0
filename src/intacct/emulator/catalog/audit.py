"""How AUDITHISTORY names the record it traces: one rule for the seeder and the store.

Sage's audit-trail page (company-console-audit-trails) says OBJECTKEY holds the object's
unique name field: RECORDNO for APBILL, LOGINID for USERINFO; values seen in production
connectors' captures are ``12345``, ``12345--REC`` and ``V10001`` (a vendor id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intacct.emulator.catalog import ObjectDef

__all__ = ["ACCESS_MODES", "object_key"]

#: ACCESSMODE as ``query`` filters write it (letters) and as ``readByQuery`` and the
#: records show it (words), per the audit-trail page; T is Activity and U User Action.
ACCESS_MODES = {
    "A": "Access",
    "M": "Modify",
    "C": "Create",
    "D": "Delete",
    "W": "Workflow",
    "T": "Activity",
    "U": "User Action",
}


def object_key(obj: ObjectDef, values: Mapping[str, Any]) -> str:
    """The OBJECTKEY of an audit row for ``values``, a record of ``obj``.

    Objects with a business id (VENDORID, LOGINID, ACCOUNTNO, ...) are traced by it; the
    documents without one (bills, invoices, journal entries) by their RECORDNO. [U] the
    ``--REC`` suffix seen in captures is not documented for any object, so none is added.
    """
    field = obj.id_field or "RECORDNO"
    value = values.get(field)
    if value is None or value == "":
        value = values.get("RECORDNO", "")
    return str(value)
