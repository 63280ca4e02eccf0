"""The target's settings: its JSON Schema (``--about``) and reading a config into the
client's :class:`~intacct.config.ClientConfig` plus the write options.

Its keys, how each is read and their defaults are the table's (:mod:`intacct.config.keys`,
``Surface.TARGET``): the connection's, and the write options ``batch_size`` (functions
per request, 1..100), ``transaction`` (a request's functions all apply or none),
``upsert`` (match records on their id field or RECORDNO before writing) and
``report_path`` (the JSONL report of every record). A key nobody knows is a
:class:`~intacct.errors.ConfigError` naming it and its near miss.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from intacct._singer_config import config_schema
from intacct.config import (
    DEFAULT_REPORT_PATH,
    MAX_FUNCTIONS,
    ClientConfig,
    Owner,
    Surface,
    names_on,
    owned_by,
    read,
)

__all__ = ["CONFIG_SCHEMA", "DEFAULT_REPORT_PATH", "TargetSettings", "WriteOptions"]

CONFIG_SCHEMA = config_schema(
    Surface.TARGET,
    reads=(Owner.CONNECTION, Owner.TUNING, Owner.WRITES),
    # the tap's extraction keys: a shared config file may carry them (meltano.yml
    # declares every other one)
    ignored="ignored: the tap's key, accepted so that one config serves both",
)


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """How records are written (the module docstring says what each option means)."""

    KEYS: ClassVar[frozenset[str]] = frozenset(k.name for k in owned_by(Owner.WRITES))

    batch_size: int = MAX_FUNCTIONS
    transaction: bool = False
    upsert: bool = True
    report_path: str = DEFAULT_REPORT_PATH

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> WriteOptions:
        return cls(**read(config, Owner.WRITES))


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
        allow = names_on(Surface.TARGET) | frozenset(sdk_keys)
        return cls(
            ClientConfig.from_mapping(config, allow=allow), WriteOptions.from_mapping(config)
        )
