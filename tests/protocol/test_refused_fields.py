"""The error table names the fields a "cannot be queried" answer refuses, so a reader
(the replication engine) can go on without them."""

from __future__ import annotations

from pathlib import Path

from intacct.errors import ErrorDetail, FieldsRefusedError, ValidationError
from intacct.protocol.classify import error_for_result, refused_fields
from intacct.protocol.response import parse_response

GOLDEN = Path(__file__).parents[1] / "golden" / "responses"


def test_the_refused_fields_are_on_the_typed_error() -> None:
    response = parse_response((GOLDEN / "result-fields-refused.xml").read_bytes())
    error = error_for_result(response.results[0])
    assert isinstance(error, FieldsRefusedError) and isinstance(error, ValidationError)
    assert error.fields == {"SUPDOCID", "RETAINAGEPERCENTAGE"}


def test_a_refusal_without_the_objects_brackets_names_no_field() -> None:
    bare = ErrorDetail("XL03000006", "", "The following fields cannot be queried: A, B", "")
    assert refused_fields([bare]) == frozenset()
    listed = ErrorDetail("XL03000006", "The following fields cannot be queried: [ vendor: [A] ]")
    assert refused_fields([listed]) == {"A"}
