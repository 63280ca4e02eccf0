"""Sage Intacct's REST objects as data, one JSON file per module (docs/rest-catalog.md):
:mod:`intacct.protocol.rest_catalog` reads them."""

__all__: list[str] = []
