"""``tap-sage-intacct``: the Singer tap, on singer-sdk, over the replication engine.

Discovery describes every object with one API session (:mod:`.discovery`); a sync runs
the engine (:class:`~intacct.replication.Replicator`) once for all selected streams, so
they share its ``max_concurrency`` workers and its one session, and writes a STATE
message after every page (:mod:`.sink`). With ``--catalog`` the streams are those of the
catalog and nothing is discovered again. With ``unified_schema: true`` the streams are
hotglue's unified tables instead (:mod:`.unified`).

A stream that fails (permission, unknown object) fails alone: the others finish and keep
their state, the failures are logged with Intacct's error and correction, and the run
ends with :class:`StreamsFailedError` (a non-zero exit code).
"""

from __future__ import annotations

import copy
import logging
import sys
from collections.abc import Sequence
from typing import Any, ClassVar

import click
from singer_sdk import Tap
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.helpers.capabilities import CapabilitiesEnum
from singer_sdk.singerlib import StreamMetadata

from intacct._collector import collect_less
from intacct._singer_files import check_config_files, json_object_option
from intacct._singer_log import quiet_sdk_notes
from intacct.client import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.errors import IntacctError
from intacct.logging import log_options, say
from intacct.replication import (
    DELETED_AT,
    RunReport,
    declared_kinds,
)
from intacct.replication.catalog import entity_key
from intacct.tap.discovery import discover, key_properties, stream_schema
from intacct.tap.runner import StreamsFailedError, TapRun, replicate
from intacct.tap.settings import CONFIG_SCHEMA, TapSettings
from intacct.tap.streams import IntacctStream
from intacct.tap.unified_streams import unified_streams

__all__ = ["StreamsFailedError", "TapSageIntacct"]

#: singer-sdk capabilities the tap leaves out (see ``TapSageIntacct.capabilities``)
_NOT_OURS = frozenset({"batch", "activate-version", "start-date"})


class TapSageIntacct(Tap):
    """Sage Intacct objects as Singer streams (stream ids are object names)."""

    name = "tap-sage-intacct"
    package_name = "intacct-connector"  # the distribution --about takes the version from
    # a copy: singer-sdk adds its own settings (stream_maps...) to the class's schema in
    # place, and CONFIG_SCHEMA stays what the key table declares
    config_jsonschema = copy.deepcopy(CONFIG_SCHEMA)
    #: the catalog is the company's objects, read with the config's connection: so
    #: --discover checks the config too, and a wrong key is said with why (singer-sdk
    #: otherwise warns "Config validation failed" and goes on)
    dynamic_catalog = True
    message_writer_class = MsgSpecWriter
    #: singer-sdk's, less BATCH and ACTIVATE_VERSION: the engine writes RECORD messages
    #: itself (``sync_all``), so ``batch_config`` would be ignored without a word; without
    #: the capability it is an unknown key. Less START_DATE (singer-sdk 0.55's): there a
    #: start_date later than a stream's bookmark wins; the engine's is a first run's only.
    #: Told apart by value: 0.55 moved ACTIVATE_VERSION from TapCapabilities to
    #: PluginCapabilities
    capabilities: ClassVar[list[CapabilitiesEnum]] = [
        c for c in Tap.capabilities if str(c) not in _NOT_OURS
    ]

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """singer-sdk's command, with ``-h``, ``-v``/``-q`` and ``--log-format json``
        (:func:`intacct.logging.log_options`, over singer-sdk's console handler), and
        ``--catalog`` and ``--state`` files checked like ``--config``."""
        command = log_options(super().get_singer_command(), default=logging.INFO)
        quiet_sdk_notes(cls.logger)
        for param in command.params:
            if param.name in ("catalog", "state"):
                param.callback = json_object_option
        return command

    _settings: TapSettings | None = None

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """Each ``--config`` file a JSON object, else one line naming it."""
        check_config_files(value)
        return super().cb_config(ctx, param, value)

    @property
    def settings(self) -> TapSettings:
        """The config read once; a bad one is a ConfigError naming the key."""
        if self._settings is None:
            self._settings = TapSettings.from_mapping(self.config, self.sdk_setting_keys())
        return self._settings

    @classmethod
    def sdk_setting_keys(cls) -> set[str]:
        """singer-sdk's own settings for this tap's capabilities (stream maps, flattening,
        ...): ``config_jsonschema`` with singer-sdk's built-in settings, which 0.55 no
        longer adds to the class attribute itself."""
        schema = copy.deepcopy(cls.config_jsonschema)
        cls.append_builtin_config(schema)
        return set(schema.get("properties", {}))

    @property
    def several_entities(self) -> bool:
        """Whether records come from several entity sessions (``entity_ids``): then
        ``_entity_id`` is part of every stream's key."""
        return bool(self.settings.replication.entity_ids)

    def setup_mapper(self) -> None:
        """The catalog's keys with ``_entity_id`` as the config's entities say (a catalog
        discovered with another config keeps working), before stream maps build on them."""
        for entry in self.catalog.streams:
            keys = entity_key(entry.key_properties or [], self.several_entities)
            entry.key_properties = keys
            root = entry.metadata.get(())
            if isinstance(root, StreamMetadata):
                root.table_key_properties = keys
        super().setup_mapper()

    def connect(self) -> IntacctClient:
        """A client for one discovery or one sync: one API session, closed after."""
        return IntacctClient(self.settings.client)

    # -- discovery -----------------------------------------------------------------------

    @property
    def unified(self) -> bool:
        """Config ``unified_schema``: hotglue's unified tables (:mod:`.unified`)."""
        return self.settings.replication.unified_schema

    def discover_streams(self) -> Sequence[IntacctStream]:
        if self.unified:
            return unified_streams(self)
        catalog = self.input_catalog
        if catalog is not None:
            return [
                IntacctStream(
                    self,
                    entry.tap_stream_id,
                    entry.schema.to_dict(),
                    entry.key_properties,
                    entry.replication_key,
                )
                for entry in catalog.streams
            ]
        with self.connect() as client:
            registry = ObjectRegistry(client)
            infos = discover(registry, self.settings.client.max_concurrency, self.logger.warning)
            rest = client.speaks_rest
            found = registry.rest.catalog()  # with the objects the company's model lists
        streams = [
            IntacctStream(
                self, info.name, stream_schema(info), key_properties(info), info.replication_key
            )
            for info in infos
        ]
        # streams that are no XML object: the trial balance, REST's own objects
        for kind in declared_kinds(rest, found):
            schema = kind.schema()
            schema["properties"][DELETED_AT] = {"type": ["null"], "description": "never set"}
            streams.append(IntacctStream(self, kind.name, schema, kind.key_properties, None))
        return streams

    # -- sync ----------------------------------------------------------------------------

    # singer-sdk marks sync_all final (a public method, no private one) and syncs streams
    # one after another, each through Stream.sync; the engine's point is that all streams
    # share its workers and one API session, so one run reads them all. singer-sdk has no
    # public hook for that (the nearest request, partitions synced in parallel, is
    # meltano/sdk#2121, open)
    def sync_all(self) -> None:  # type: ignore[misc]
        """Every selected stream in one engine run (shared workers, one session)."""
        selected = [s for s in self.streams.values() if isinstance(s, IntacctStream) and s.selected]
        for stream in selected:
            stream.write_schema()
        if self.state:
            self.state_writer.write_state(self.state)
        self.replicate(selected)

    def replicate(self, streams: Sequence[IntacctStream]) -> RunReport:
        """Run the engine over ``streams`` (:mod:`.runner`): RECORD messages, then STATE,
        per page."""
        return replicate(TapRun(self.settings, self.state, self.state_writer, self.logger), streams)


def main() -> None:
    """The ``tap-sage-intacct`` executable. A bad config or state, or failed streams,
    end it with their message and exit code 1 (no traceback: the message names the key
    or the streams); a line per HTTP request is httpx's detail, not the tap's log."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    collect_less()
    try:
        TapSageIntacct.cli()
    except (IntacctError, StreamsFailedError) as exc:
        say(f"tap-sage-intacct: {exc}", logging.ERROR, "tap-sage-intacct")
        sys.exit(1)
