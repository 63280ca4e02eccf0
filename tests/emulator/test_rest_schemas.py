"""Every object's REST answers as Sage's schemas give them (issue 68), the whole catalog,
not a sample: each list's references, whole records (their lines and the lines' own
lists) and the query service's answer of every field validate against the object's JSON
Schema (:mod:`.rest_schema`, from the catalog the OpenAPI specs were generated into)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from intacct.protocol.rest_catalog import rest_catalog

from .rest_schema import answer_validator
from .rest_support import OBJECTS, SERVED, ok, query

#: records of each object read whole (the first of its list)
WHOLE = 3
LISTED = [p for p in SERVED if {"list", "get"} <= set(rest_catalog()[p].operations)]


def problems(validator: Draft202012Validator, record: dict[str, Any]) -> list[str]:
    return [
        f"{'.'.join(map(str, e.absolute_path)) or '(record)'}: {e.message[:160]}"
        for e in validator.iter_errors(record)
    ]


@pytest.mark.parametrize("path", LISTED)
def test_every_answer_of_every_object_is_as_its_schema_says(
    http: httpx.Client, auth: dict[str, str], path: str
) -> None:
    catalog, obj = rest_catalog(), rest_catalog()[path]
    listed = ok(http.get(f"{OBJECTS}/{path}", headers=auth))["ia::result"]
    reference = answer_validator(catalog, obj, whole=False)
    found = [p for ref in listed for p in problems(reference, ref)]
    whole = answer_validator(catalog, obj, whole=True)
    for ref in listed[:WHOLE]:
        record = ok(http.get(f"{OBJECTS}/{path}/{ref['key']}", headers=auth))["ia::result"]
        found += [f"{ref['key']} {p}" for p in problems(whole, record)]
    fields = [f.name for f in obj.fields.values() if f.type != "array" and not f.write_only]
    answer = ok(query(http, auth, object=path, fields=fields, size=WHOLE))["ia::result"]
    found += [f"query {p}" for record in answer for p in problems(reference, record)]
    assert found == [], f"{path}: {found[:10]}"


def test_the_schemas_refuse_what_sage_would_not_answer() -> None:
    """The validator is no formality: a null id, a value outside an enum, a list the
    spec gives left out, an amount as a number are each refused."""
    catalog = rest_catalog()
    obj = catalog["accounts-payable/bill"]
    whole = answer_validator(catalog, obj, whole=True)
    partial = answer_validator(catalog, obj, whole=False)
    assert problems(partial, {"key": "1", "id": "B1", "href": "/objects/x/1"}) == []
    assert problems(partial, {"key": "1", "id": None, "href": "/objects/x/1"})
    assert problems(partial, {"state": "Sterling 2"})
    assert problems(partial, {"totalTxnAmount": 12.5})
    assert problems(partial, {"postingDate": "06/15/2026"})
    assert any("lines" in p for p in problems(whole, {"key": "1", "id": "1", "href": "h"}))
    line = {"lines": [{"key": "2", "id": "2", "href": "h", "txnAmount": "a lot"}]}
    assert any("txnAmount" in p for p in problems(partial, line))
