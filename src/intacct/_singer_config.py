"""The connection settings of a Singer executable's config, in JSON Schema (``--about``):
one list for the tap and the target, which share one config file and one contract
(docs/ARCHITECTURE.md, "Config keys")."""

from __future__ import annotations

from typing import Any

from singer_sdk import typing as th

from intacct.config import DEFAULT_API_URL

__all__ = ["connection_properties", "request_properties"]


def connection_properties(entity: str, dtd_version: str | None = None) -> list[th.Property[Any]]:
    """Who signs in where: ``entity`` says what the entity is for (log in to, write
    into), ``dtd_version`` what choosing 2.1 means to the executable."""
    return [
        th.Property("sender_id", th.StringType, required=True, title="Web Services sender ID"),
        th.Property("sender_password", th.StringType, required=True, secret=True),
        th.Property("user_id", th.StringType, required=True, title="Web Services user ID"),
        th.Property("user_password", th.StringType, required=True, secret=True),
        th.Property("company_id", th.StringType, required=True),
        th.Property(
            "entity_id",
            th.StringType,
            description=f"Location ID of the entity to {entity}; empty = top level",
        ),
        th.Property("api_url", th.StringType, default=DEFAULT_API_URL),
        th.Property("auth_type", th.StringType, allowed_values=["session", "login"]),
        th.Property(
            "dtd_version", th.StringType, allowed_values=["3.0", "2.1"], description=dtd_version
        ),
    ]


def request_properties() -> list[th.Property[Any]]:
    """How each request is sent: its deadline, the user's time zone, retries."""
    return [
        th.Property("timeout_s", th.NumberType, description="seconds per request"),
        th.Property(
            "first_byte_timeout_s",
            th.NumberType,
            description="seconds a request's tries together wait for a silent gateway's "
            "first byte (default 60)",
        ),
        th.Property(
            "timezone",
            th.StringType,
            description="the Web Services user's IANA time zone, e.g. America/Los_Angeles "
            "(where it has daylight saving time: timestamps decode right all year)",
        ),
        th.Property("max_retries", th.IntegerType),
    ]
