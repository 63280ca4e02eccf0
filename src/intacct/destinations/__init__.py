"""Where ``intacct sync`` stores what the engine reads: a :class:`Destination` per store
(DuckDB embedded by default), each page with the run state after it."""

from intacct.destinations.base import Destination, DestinationError, PageCounts
from intacct.destinations.duckdb import DuckDBDestination

__all__ = ["Destination", "DestinationError", "DuckDBDestination", "PageCounts"]
