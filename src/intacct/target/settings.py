"""The target's settings: its JSON Schema (``--about``) and reading a config into the
client's :class:`~intacct.config.ClientConfig` plus the write options.

Its keys, how each is read and their defaults are the table's (:mod:`intacct.config.keys`,
``Surface.TARGET``): the connection's, and the write options ``batch_size`` (functions
per request, 1..100), ``transaction`` (a request's functions all apply or none),
``upsert`` (match records on their id field or RECORDNO before writing),
``report_path`` (the JSONL report of every record), ``api`` (which API writes: ``auto``
and ``xml`` the XML gateway, ``rest`` the REST API) and ``bulk_from`` (with ``rest``,
how many records of one action make a bulk job). A key nobody knows, or keys that
contradict each other, is a :class:`~intacct.errors.ConfigError` naming it.
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
from intacct.errors import ConfigError

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
    api: str = "auto"
    bulk_from: int = 0

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> WriteOptions:
        return cls(**read(config, Owner.WRITES))

    @property
    def rest(self) -> bool:
        """Records of objects with an XML twin go through the REST API (``auto`` writes
        them through XML: its control ids refuse a replay record by record). The objects
        only REST has go through REST under any ``api`` (:meth:`check_rest_only`)."""
        return self.api == "rest"


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
        settings = cls(
            ClientConfig.from_mapping(config, allow=allow), WriteOptions.from_mapping(config)
        )
        settings._check_rest()
        return settings

    def _check_rest(self) -> None:
        """What ``api: rest`` cannot do, said before any record is read."""
        if not self.write.rest:
            return
        if not self.client.client_id:
            raise ConfigError(
                "client_id", "api rest writes through the REST API: give the OAuth app's "
                "client_id and client_secret",
            )  # fmt: skip
        if self.write.transaction:
            raise ConfigError(
                "transaction", "the REST API writes each record on its own: transaction "
                "needs api xml",
            )  # fmt: skip
        if self.client.dtd_version == "2.1":
            raise ConfigError(
                "dtd_version", "dtd_version 2.1 is the XML gateway's: it needs api xml",
            )  # fmt: skip

    def check_rest_only(self, stream: str) -> None:
        """What writing ``stream``, an object only the REST API has, needs of the config
        (whatever ``api`` says: XML cannot write it)."""
        if not self.client.client_id:
            raise ConfigError(
                "client_id", f"stream {stream} is an object only the REST API has: give "
                "the OAuth app's client_id and client_secret to write it",
            )  # fmt: skip
        if self.write.transaction:
            raise ConfigError(
                "transaction", f"stream {stream} is written through the REST API, which "
                "writes each record on its own: transaction cannot hold it",
            )  # fmt: skip
