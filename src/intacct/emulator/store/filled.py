"""What Intacct fills in when a create leaves it out.

Sage's own SDKs rely on it (they work against production, so the emulator must accept
what they send): VendorCreate and CustomerCreate never write the display contact's name,
TaskCreate has no task id (numbered in ``Records.insert``, which sees the numbers taken),
JournalEntryLineCreate writes TRX_AMOUNT with TR_TYPE and no
AMOUNT.
"""

from __future__ import annotations

from typing import Any

from intacct.emulator.catalog import ObjectDef

__all__ = ["DISPLAY_CONTACT", "fill_created"]

#: the contact a vendor or customer shows, a CONTACT record of its own in Intacct
DISPLAY_CONTACT = "DISPLAYCONTACT"
_CONTACT_NAME = f"{DISPLAY_CONTACT}.CONTACTNAME"
#: the letter before the id in a display contact's name Intacct makes
_CONTACT_TAGS = {"VENDOR": "V", "CUSTOMER": "C"}


def fill_created(obj: ObjectDef, values: dict[str, Any]) -> None:
    """Complete a new record of ``obj`` in place (autonumbered ids: Records.insert)."""
    fields = obj.fields_by_name
    if _CONTACT_NAME in fields and _empty(values.get(_CONTACT_NAME)):
        name = values.get(obj.name_field or "NAME")
        ident = values.get(obj.id_field or "")
        if not _empty(name):
            # "If left blank, system will create the name as [NAME](V[VENDORID])" (and
            # [NAME](C[CUSTOMERID])) [V]: the vendor and customer API pages on
            # developer.intacct.com; Sage's VendorCreate/CustomerCreate say the same
            tag = _CONTACT_TAGS.get(obj.name, "")
            values[_CONTACT_NAME] = f"{name}({tag}{ident})" if not _empty(ident) else str(name)
    _contact_roles(fields, values)
    _party_names(obj, values)
    _document_id(fields, values)
    _amounts(fields, values)


def _document_id(fields: Any, values: dict[str, Any]) -> None:
    """An order entry, purchasing or inventory document is known by its transaction
    definition and number, "Sales Order-SO0042": create_sotransaction answers that key
    and update_/delete_sotransaction name the document by it [O] (Sage's SDKs: the
    update's transactionId, the delete's documentId). [U] a document given no number is
    numbered by its definition's sequence, which is not published: it keeps no id here."""
    if "DOCID" not in fields or "DOCPARID" not in fields or not _empty(values.get("DOCID")):
        return
    if not _empty(values.get("DOCNO")) and not _empty(values.get("DOCPARID")):
        values["DOCID"] = f"{values['DOCPARID']}-{values['DOCNO']}"


def _contact_roles(fields: Any, values: dict[str, Any]) -> None:
    """A vendor's primary, pay-to and return-to contacts (a customer's primary, bill-to
    and ship-to): "If blank system will use DISPLAYCONTACT" [V] (the vendor and customer
    API pages); [U] that reads show the display contact's name there, as the seed has it."""
    shown = values.get(_CONTACT_NAME)
    if _empty(shown):
        return
    for role in ("CONTACTINFO", "PAYTO", "RETURNTO", "BILLTO", "SHIPTO"):
        field = f"{role}.CONTACTNAME"
        if field in fields and _empty(values.get(field)):
            values[field] = shown


def _party_names(obj: ObjectDef, values: dict[str, Any]) -> None:
    """A left-out company name and print-as of the display contact are the party's name:
    "If a field is left blank, it will auto-populate with NAME" (company name, vendor
    import), and Print As "will default to the Vendor name" [O] (public Intacct how-tos;
    the seed's contacts show the same). [U] The API pages list DISPLAYCONTACT.PRINTAS as
    required on create, but Sage's SDKs always send it (the name when no print-as is
    given), so whether a create without it is refused is not seen; it gets the name."""
    name = values.get(obj.name_field or "NAME")
    if _CONTACT_NAME not in obj.fields_by_name or _empty(name):
        return
    for part in ("COMPANYNAME", "PRINTAS"):
        field = f"DISPLAYCONTACT.{part}"
        if field in obj.fields_by_name and _empty(values.get(field)):
            values[field] = name


def _amounts(fields: Any, values: dict[str, Any]) -> None:
    """A line in one currency: the base and transaction amounts are the same number
    ([U] at an exchange rate of one, the only one the demo company books)."""
    if "AMOUNT" in fields and "TRX_AMOUNT" in fields:
        if _empty(values.get("AMOUNT")) and not _empty(values.get("TRX_AMOUNT")):
            values["AMOUNT"] = values["TRX_AMOUNT"]
        elif _empty(values.get("TRX_AMOUNT")) and not _empty(values.get("AMOUNT")):
            values["TRX_AMOUNT"] = values["AMOUNT"]


def _empty(value: object) -> bool:
    return value is None or value == ""
