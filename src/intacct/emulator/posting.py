"""What posting a journal entry means, written once: which GLBATCH states have moved the
ledger, the state its lines show, and the GLDETAIL row a posted GLENTRY line shows.

The seed (``seed/journal.py``) and the gateway's writes (``store/ledger.py``) build the
GL detail view with these, and the trial balance sums that view
(``Records.gl_balances``), so GLDETAIL and the balances cannot disagree: a line moves a
balance exactly when it shows in GLDETAIL.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["POSTED_STATES", "detail_row", "line_state", "posts"]

#: the GLBATCH states of an entry that has been posted. A create's STATE is "Posted" to
#: post to the GL or "Draft" not to (intacct-protocol.md 5.7 [V], the journal-entries
#: API page), and GLDETAIL shows posted entries only (ENTRY_STATE P: fivetran's
#: dbt_sage_intacct seed, the catalog's sources). [U] The other states are not
#: documented here: entries waiting for approval (Submitted, Partially Approved,
#: Approved) or refused it (Declined) are taken as not posted, since approval comes
#: before posting and a posted entry shows as Posted; a reversed entry, or one whose
#: auto-reversal is pending, keeps the posting it made, its reversal being an entry of
#: its own.
POSTED_STATES = frozenset({"Posted", "Reversal pending", "Reversed"})
#: [U] GLENTRY's STATE has no value for these batch states; the nearest one it has
_LINE_STATES = {"Partially Approved": "Submitted", "Reversal pending": "Posted"}
_ZERO = Decimal("0.00")
_ACCOUNT_TYPES = {True: "balancesheet", False: "incomestatement"}
#: the dimension ids GLENTRY and GLDETAIL both carry under the same names
_DIMENSIONS = ("PROJECTID", "CUSTOMERID", "VENDORID", "EMPLOYEEID", "ITEMID", "CLASSID")


def posts(state: object) -> bool:
    """Whether a journal entry in ``state`` (GLBATCH's STATE) moves balances."""
    return state in POSTED_STATES


def line_state(batch_state: str) -> str:
    """The STATE a GLENTRY line shows: its journal entry's."""
    return _LINE_STATES.get(batch_state, batch_state)


def detail_row(
    batch: Mapping[str, Any],
    entry: Mapping[str, Any],
    *,
    balance_sheet: bool | None,
    department_title: str | None,
    location_name: str | None,
) -> dict[str, Any]:
    """The GLDETAIL row of one line of a posted entry: the line's account, amounts and
    dimensions with its batch's fields (no RECORDNO, audit or entity stamps: the writer's).
    ``balance_sheet`` is the account's type (None: an account the chart does not hold).

    Its amounts are signed, debits positive (GLENTRY's are not): ``TR_TYPE`` times the
    line's amount, as the catalog's sources show them."""
    tr_type = int(entry["TR_TYPE"])
    amount, trx_amount = (Decimal(str(entry[f] or 0)) for f in ("AMOUNT", "TRX_AMOUNT"))
    debit, credit = (amount, _ZERO) if tr_type == 1 else (_ZERO, amount)
    trx_debit, trx_credit = (trx_amount, _ZERO) if tr_type == 1 else (_ZERO, trx_amount)
    return {
        "BATCHKEY": batch["RECORDNO"],
        "BATCHNO": batch["BATCHNO"],
        "BATCH_DATE": batch["BATCH_DATE"],
        "BATCH_TITLE": batch["BATCH_TITLE"],
        "JOURNAL": batch["JOURNAL"],
        "ENTRYKEY": entry["RECORDNO"],
        "LINE_NO": entry["LINE_NO"],
        "ENTRY_DATE": entry["ENTRY_DATE"],
        "ACCOUNTNO": entry["ACCOUNTNO"],
        "ACCOUNTTITLE": entry["ACCOUNTTITLE"],
        "ACCOUNTTYPE": None if balance_sheet is None else _ACCOUNT_TYPES[balance_sheet],
        "TR_TYPE": tr_type,
        "AMOUNT": amount * tr_type,
        "DEBITAMOUNT": debit,
        "CREDITAMOUNT": credit,
        "TRX_AMOUNT": trx_amount * tr_type,
        "TRX_DEBITAMOUNT": trx_debit,
        "TRX_CREDITAMOUNT": trx_credit,
        "CURRENCY": entry["CURRENCY"],
        "BASECURR": entry["BASECURR"],
        "DESCRIPTION": entry["DESCRIPTION"],
        "DOCNUMBER": batch["REFERENCENO"],
        "DEPARTMENTID": entry["DEPARTMENT"],
        "DEPARTMENTTITLE": department_title,
        "LOCATIONID": entry["LOCATION"],
        "LOCATIONNAME": location_name,
        **{field: entry[field] for field in _DIMENSIONS},
        "GLDIMFUND": entry["GLDIMFUND"],
        "MODULEKEY": batch["MODULE"],
        "BOOKID": "ACCRUAL",
        "STATE": line_state(str(batch["STATE"])),
        "ENTRY_STATE": "P",
    }
