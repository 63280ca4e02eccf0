"""Stored codes against display values, per function, through the gateway.

readByQuery compares stored codes (``STATUS = 'T'``), query filters take display values
(``active``) [V]; AUDITHISTORY's ACCESSMODE is the documented exception (letters in query,
words in readByQuery). A literal in the wrong language finds nothing, as in production.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from intacct import IntacctClient, fn, q

Connect = Callable[..., IntacctClient]


def _rbq_count(client: IntacctClient, obj: str, query: str) -> int:
    data = client.call(fn.ReadByQuery(obj, query=query, pagesize=1)).data
    assert data is not None
    return data.totalcount or 0


def _query_count(client: IntacctClient, obj: str, field: str, value: str) -> int:
    data = client.query(obj, ["RECORDNO"], filter=q.equalto(field, value), pagesize=1).data
    assert data is not None
    return data.totalcount or 0


@pytest.mark.parametrize(
    ("code", "display"), [("T", "active"), ("F", "inactive")], ids=["active", "inactive"]
)
def test_vendor_status_by_function(connect: Connect, code: str, display: str) -> None:
    client = connect()
    by_code = _rbq_count(client, "VENDOR", f"STATUS = '{code}'")
    assert by_code > 0
    assert _query_count(client, "VENDOR", "STATUS", display) == by_code
    assert _rbq_count(client, "VENDOR", f"STATUS = '{display}'") == 0
    assert _query_count(client, "VENDOR", "STATUS", code) == 0


def test_audit_access_mode_takes_letters_in_query_and_words_in_readbyquery(
    connect: Connect,
) -> None:
    client = connect()
    created = _rbq_count(client, "AUDITHISTORY", "ACCESSMODE = 'Create'")
    assert created > 0
    assert _query_count(client, "AUDITHISTORY", "ACCESSMODE", "C") == created
    assert _rbq_count(client, "AUDITHISTORY", "ACCESSMODE = 'C'") == 0
    assert _query_count(client, "AUDITHISTORY", "ACCESSMODE", "Create") == 0
