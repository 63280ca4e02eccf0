"""The one rule of which API reads an object (``intacct.replication.streams.route``)."""

from __future__ import annotations

import pytest

from intacct.replication.streams.route import Route, by_cost, fixed_route, rest_page_size

ASKED = ["RECORDNO", "NAME", "WHENMODIFIED"]


@pytest.mark.parametrize(
    ("api", "speaks_rest", "twin", "held", "route"),
    [
        ("xml", True, True, ASKED, Route("xml", "api xml")),
        ("rest", True, True, ASKED[:1], Route("rest", "api rest")),
        ("rest", True, False, [], Route("xml", "REST has no twin")),
        ("auto", True, False, [], Route("xml", "REST has no twin")),
        ("auto", False, True, ASKED, Route("xml", "no OAuth app for REST")),
        ("auto", False, False, [], Route("xml", "no OAuth app for REST")),
        ("auto", True, True, ASKED[:2], Route("xml", "REST lacks 1 field")),
        ("auto", True, True, ASKED[:1], Route("xml", "REST lacks 2 fields")),
        ("auto", True, True, ASKED, None),  # the counts decide
    ],
)
def test_the_route_known_before_counting(
    api: str, speaks_rest: bool, twin: bool, held: list[str], route: Route | None
) -> None:
    assert fixed_route(api, speaks_rest, twin, ASKED, held) == route


def test_rest_only_where_its_pages_are_fewer_and_a_tie_is_xmls() -> None:
    assert rest_page_size(2000) == 4000 and rest_page_size(500) == 1000
    assert str(by_cost(0, 2000)) == "xml (1 page either way; REST measured no faster)"
    assert by_cost(2000, 2000).api == "xml"
    assert str(by_cost(2001, 2000)) == "rest (1 page against 2 by xml)"
    assert str(by_cost(10_000, 2000)) == "rest (3 pages against 5 by xml)"
