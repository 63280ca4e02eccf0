"""The target's settings: its JSON Schema (``--about``) and reading a config into the
client's :class:`~intacct.config.ClientConfig` plus the write options.

Connection keys are the public contract (docs/ARCHITECTURE.md, "Config keys"); the write
options are ``batch_size`` (functions per request, 1..100), ``transaction`` (a request's
functions all apply or none), ``upsert`` (match records on their id field or RECORDNO
before writing) and ``report_path`` (the JSONL report of every record). A key nobody
knows is a :class:`~intacct.errors.ConfigError` naming it and its near miss.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from singer_sdk import typing as th

from intacct._singer_config import connection_properties, request_properties
from intacct.client import MAX_FUNCTIONS
from intacct.config import ClientConfig, parse_integer
from intacct.errors import ConfigError
from intacct.replication import ReplicationSettings

__all__ = ["CONFIG_SCHEMA", "DEFAULT_REPORT_PATH", "TargetSettings", "WriteOptions"]

DEFAULT_REPORT_PATH = "target-report.jsonl"

#: the tap's extraction keys: a shared config file may carry them; the target ignores them
_EXTRACTION_KEYS = ReplicationSettings.KEYS
#: how ``--about`` tells those keys apart (meltano.yml declares every other one)
_IGNORED_KEY_DESCRIPTION = "ignored: the tap's key, accepted so that one config serves both"

CONFIG_SCHEMA = th.PropertiesList(
    *connection_properties(
        "write into", "2.1 writes with the legacy create_<object>/update_/delete_ functions"
    ),
    th.Property("max_concurrency", th.IntegerType),
    *request_properties(),
    th.Property(
        "batch_size",
        th.IntegerType,
        description=f"records per request, 1..{MAX_FUNCTIONS} (default {MAX_FUNCTIONS})",
    ),
    th.Property(
        "transaction",
        th.BooleanType,
        description="each request all or nothing: one failed record rolls back its batch",
    ),
    th.Property(
        "upsert",
        th.BooleanType,
        description="update records whose id field or RECORDNO exists, create the others "
        "(default true)",
    ),
    th.Property(
        "report_path",
        th.StringType,
        description=f"JSONL report, one line per record (default ./{DEFAULT_REPORT_PATH})",
    ),
    *(
        th.Property(key, th.AnyType, description=_IGNORED_KEY_DESCRIPTION)
        for key in sorted(_EXTRACTION_KEYS)
    ),
).to_dict()


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """How records are written (the module docstring says what each option means)."""

    batch_size: int = MAX_FUNCTIONS
    transaction: bool = False
    upsert: bool = True
    report_path: str = DEFAULT_REPORT_PATH

    KEYS = frozenset({"batch_size", "transaction", "upsert", "report_path"})

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> WriteOptions:
        given = {k: v for k, v in config.items() if k in cls.KEYS and v not in (None, "")}
        changes: dict[str, Any] = {
            k: _flag(k, given[k]) for k in ("transaction", "upsert") if k in given
        }
        if "batch_size" in given:
            changes["batch_size"] = parse_integer(
                "batch_size", given["batch_size"], 1, MAX_FUNCTIONS
            )
        path = given.get("report_path")
        if path is not None:
            if not isinstance(path, str):
                raise ConfigError("report_path", f"must be a path, got {type(path).__name__}")
            changes["report_path"] = path
        return replace(cls(), **changes)


def _flag(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ConfigError(key, f"must be true or false, got {value!r}")


@dataclass(frozen=True, slots=True)
class TargetSettings:
    """A target config read once: the connection and the write options."""

    client: ClientConfig
    write: WriteOptions

    @classmethod
    def from_mapping(
        cls, config: Mapping[str, Any], sdk_keys: Collection[str] = ()
    ) -> TargetSettings:
        """``sdk_keys`` are singer-sdk's own settings (stream maps, batch_size_rows, ...),
        accepted as they are."""
        allow = WriteOptions.KEYS | _EXTRACTION_KEYS | frozenset(sdk_keys)
        return cls(
            ClientConfig.from_mapping(config, allow=allow), WriteOptions.from_mapping(config)
        )
