"""Sage Intacct connector: one client for the XML Web Services gateway and Sage's REST
API (OAuth 2, the query service, idempotent writes, bulk jobs), and the replication
engine, ``intacct sync``, the Singer tap and target, the Dagster fleet and the emulator
built on it.

The public surface is re-exported here; ``intacct.q`` is the query builder (filters,
orderby, readByQuery query strings) and ``intacct.fn`` the function builders.
"""

from intacct import errors
from intacct._version import __version__
from intacct.client import IntacctClient, is_applied
from intacct.client.metadata import FieldModel, ObjectModel
from intacct.client.pagination import Page, PageToken
from intacct.client.registry import ObjectInfo, ObjectRegistry
from intacct.client.retry import RetryPolicy
from intacct.config import ClientConfig
from intacct.logging import HistoryHook, RedactingFormatter
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.formats import UserFormatting
from intacct.protocol.response import Record, Result

__all__ = [
    "ClientConfig",
    "FieldModel",
    "HistoryHook",
    "IntacctClient",
    "ObjectInfo",
    "ObjectModel",
    "ObjectRegistry",
    "Page",
    "PageToken",
    "Record",
    "RedactingFormatter",
    "Result",
    "RetryPolicy",
    "UserFormatting",
    "__version__",
    "errors",
    "fn",
    "is_applied",
    "q",
]
