"""A create with exactly the fields Sage's spec requires succeeds, for every object REST
creates (issue 68), and the record it made validates against the object's schema.

The body is built from the catalog alone: each required, writable field a value of its
type (an enum's first listed value, a reference the key or id of a record the company
has, an amount "1.00", a column the XML side lists values for one of them, a currency
"USD"), each required list one item of its own required fields. Where the XML gateway
requires more than the spec (CUSTOMERID, a term's DUEDATE, a journal's TITLE...), the
REST create leaves it out: the business id numbered, the rest empty
(``emulator/rest/writes.py`` ``not_required``)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from intacct.emulator.catalog import load_catalog
from intacct.protocol.rest_catalog import RestField, RestObject, rest_catalog

from .rest_schema import answer_validator
from .rest_support import OBJECTS, SERVED, ok
from .test_rest_schemas import problems

#: objects whose required list the emulator keeps no rows of: refused, saying so, not
#: stored without it (a create that dropped the list would lose what the user wrote)
UNKEPT = {
    "cash-management/bank-txn-assignment-rule": "filterAttributes",
    "cash-management/bank-txn-rule": "filterAttributes",
    "cash-management/journal-entry-template": "lines",
    "expenses/employee-expense": "lines",
    "general-ledger/account-allocation-group": "lines",
    "general-ledger/journal-entry-txn-template": "lines",
    "general-ledger/statistical-journal-entry": "lines",
    "general-ledger/txn-allocation-template": "lines",
}
_TEXTS = itertools.count(1)
_TODAY = datetime.now(UTC).date().isoformat()
#: objects a create of the spec's required fields is refused for (422), and the field
#: the refusal names: what Intacct requires beyond the spec [U: from the XML gateway's
#: required fields, which Intacct applies to both APIs]
BEYOND_THE_SPEC = {
    "accounts-payable/account-label": "GLACCOUNTNO",
    "accounts-payable/adjustment": "vendor.id",
    "accounts-payable/adjustment-line": "RECORDKEY",
    "accounts-payable/advance": "FINANCIALENTITY",
    "accounts-payable/bill": "postingDate",
    "accounts-payable/payment": "FINANCIALENTITY",
    "accounts-payable/recurring-bill": "STARTDATE",
    "accounts-payable/recurring-bill-line": "RECORDKEY",
    "accounts-payable/term": "DUEDATE",
    "accounts-receivable/account-label": "GLACCOUNTNO",
    "accounts-receivable/adjustment": "WHENPOSTED",
    "accounts-receivable/adjustment-line": "RECORDKEY",
    "accounts-receivable/customer-refund": "financialEntity.id",
    "accounts-receivable/advance": "PAYMENTMETHOD",
    "accounts-receivable/advance-line": "RECORDKEY",
    "accounts-receivable/customer-email-template": "customer.key",
    "accounts-receivable/invoice": "invoiceSummary.glPostingDate",
    "accounts-receivable/payment": "PAYMENTMETHOD",
    "accounts-receivable/recurring-invoice": "STARTDATE",
    "accounts-receivable/recurring-invoice-line": "RECORDKEY",
    "accounts-receivable/term": "DUEDATE",
    "accounts-receivable/territory": "name",
    "cash-management/bank-fee": "FINANCIALENTITY",
    "cash-management/checking-account": "bankAccountDetails.accountNumber",
    "cash-management/credit-card-account": "CARDNUM",
    "cash-management/credit-card-fee": "FINANCIALENTITY",
    "cash-management/credit-card-txn": "FINANCIALENTITY",
    "cash-management/deposit": "bankAccount.id",
    "cash-management/funds-transfer": "FINANCIALENTITY",
    "cash-management/other-receipt": "FINANCIALENTITY",
    "cash-management/savings-account": "bankAccountDetails.accountNumber",
    "company-config/employee": "PERSONALINFO.CONTACTNAME",
    "company-config/exchange-rate": "TYPENAME",
    "company-config/exchange-rate-line": "exchangeRate.key",
    "company-config/user": "userName",
    "consolidation/book": "BOOKJOURNALSYMBOL",
    "construction/cost-type": "standardCostType.id",
    "construction/labor-class": "name",
    "construction/labor-shift": "name",
    "construction/labor-union": "name",
    "contracts/contract": "dimensions.customer.id",
    "contracts/contract-group": "name",
    "contracts/contract-line": "contract.key",
    "contracts/contract-usage": "contract.id",
    "contracts/revenue-template": "METHOD",
    "expenses/employee-expense-adjustment": "employee.id",
    "expenses/employee-expense-adjustment-line": "RECORDKEY",
    "expenses/employee-expense-line": "RECORDKEY",
    "expenses/employee-expense-type": "GLACCOUNTNO",
    "general-ledger/account-group": "MEMBERTYPE",
    "general-ledger/journal": "TITLE",
    "general-ledger/reporting-period": "startDate",
    "general-ledger/statistical-account": "TITLE",
    "general-ledger/statistical-journal": "TITLE",
    "inventory-control/item-cross-reference": "item.id",
    "inventory-control/item-warehouse-inventory": "item.id",
    "inventory-control/price-list-entry": "PRCLSTKEY",
    "inventory-control/unit-of-measure": "GRPKEY",
    "order-entry/price-list-entry": "priceList.id",
    "projects/project-resource": "project.id",
    "projects/task": "project.id",
    "projects/task-resource": "task.id",
    "purchasing/price-list-entry": "priceList.id",
    "time/timesheet": "employee.id",
    "time/timesheet-line": "timesheet.key",
}
#: a journal entry's lines balance: one line alone is refused, as Intacct refuses it
BALANCED = {"general-ledger/journal-entry"}
CREATED = [
    p
    for p in SERVED
    if "create" in rest_catalog()[p].operations
    and not rest_catalog()[p].owner
    and {"list", "get"} <= set(rest_catalog()[p].operations)
]


class Body:
    """A create's body of ``obj``'s required fields (see the module docstring)."""

    def __init__(self, http: httpx.Client, auth: dict[str, str]) -> None:
        self.http, self.auth = http, auth
        self.firsts: dict[str, dict[str, Any] | None] = {}

    def of(self, obj: RestObject, owner: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in obj.fields.values():
            if not field.required or field.read_only:
                continue
            if owner is not None and field.name.startswith(f"{owner}."):
                continue  # a line's owner is the document it is written in
            node = out
            *groups, name = field.name.split(".")
            for group in groups:
                node = node.setdefault(group, {})
            node[name] = self.value(obj, field)
        return out

    def value(self, obj: RestObject, field: RestField) -> Any:
        if field.type == "enum":
            return next(v for v in field.enum if v)
        if field.type == "array":
            items = rest_catalog().get(field.items or "")
            owner = items.owner.get("field") if items is not None else None
            return [self.of(items, owner)] if items is not None else []
        if field.type == "object-ref":
            record = self.first(str(field.ref))
            assert record is not None, f"{obj.path} {field.name}: no {field.ref} to point at"
            return record[field.ref_field or "key"]
        listed = self.xml_values(obj, field)
        if listed:
            return listed[0]
        if "-precision-" in field.format:
            return "1.00"
        if field.name.lower().endswith("currency"):
            return "USD"
        plain = {"integer": 1, "number": 1, "boolean": True, "date": _TODAY}
        return plain.get(field.type, f"R{next(_TEXTS)}")  # each unique: ids must be

    def xml_values(self, obj: RestObject, field: RestField) -> tuple[str, ...]:
        xml = load_catalog().get_object(obj.xml_object or "")
        column = xml.field(field.xml) if xml is not None and field.xml else None
        return column.values if column is not None else ()

    def first(self, path: str) -> dict[str, Any] | None:
        if path not in self.firsts:
            answer = ok(self.http.get(f"{OBJECTS}/{path}", headers=self.auth))["ia::result"]
            one = answer[0] if isinstance(answer, list) and answer else answer
            self.firsts[path] = one if isinstance(one, dict) and one else None
        return self.firsts[path]


def created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()["ia::result"]
    return made


def post(http: httpx.Client, auth: dict[str, str], path: str, body: Any) -> httpx.Response:
    headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
    return http.post(f"{OBJECTS}/{path}", json=body, headers=headers)


@pytest.mark.parametrize("path", CREATED)
def test_a_create_of_the_fields_the_spec_requires_is_made(
    http: httpx.Client, auth: dict[str, str], path: str
) -> None:
    catalog, obj = rest_catalog(), rest_catalog()[path]
    body = Body(http, auth).of(obj)
    if path in BALANCED:
        debit, credit = body["lines"][0], dict(body["lines"][0])
        debit["txnType"], credit["txnType"] = "debit", "credit"
        body["lines"] = [debit, credit]
    answer = post(http, auth, path, body)
    if path in UNKEPT:
        assert answer.status_code == 422, answer.text
        assert "not written by the emulator" in answer.text and UNKEPT[path] in answer.text
        return
    if path in BEYOND_THE_SPEC:
        assert answer.status_code == 422, answer.text
        details = answer.json()["ia::result"]["ia::error"]["details"]
        assert BEYOND_THE_SPEC[path] in {d["target"] for d in details}, answer.text
        return
    assert answer.status_code == 201, f"{path} {body}: {answer.text[:600]}"
    key = answer.json()["ia::result"]["key"]
    record = ok(http.get(f"{OBJECTS}/{path}/{key}", headers=auth))["ia::result"]
    assert problems(answer_validator(catalog, obj, whole=True), record) == []


@pytest.mark.parametrize(
    ("path", "column"),
    [("accounts-receivable/customer", "id"), ("projects/project", "id")],
)
def test_a_business_id_left_out_is_numbered(
    http: httpx.Client, auth: dict[str, str], path: str, column: str
) -> None:
    """Sage's spec requires no customer or project id: the company numbers them, and
    each create gets its own, which XML reads as CUSTOMERID/PROJECTID."""
    body = Body(http, auth).of(rest_catalog()[path])
    keys = [created(post(http, auth, path, body))["key"] for _ in range(2)]
    ids = [ok(http.get(f"{OBJECTS}/{path}/{k}", headers=auth))["ia::result"][column] for k in keys]
    assert all(ids) and ids[0] != ids[1]
