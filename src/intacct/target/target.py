"""``target-sage-intacct``: the Singer target, on singer-sdk, over the client's batched,
idempotent writes.

A stream is an Intacct object (``VENDOR``, ``APBILL``, ``GLBATCH``...) and its records
carry Intacct field names, or one of hotglue's unified streams (``Vendors``, ``Bills``...,
:mod:`.unified`), mapped to Intacct objects through :mod:`intacct.mappings`, or an
object only the REST API has, named as the tap names it (:mod:`.rest_only_writes`); the
writer (:mod:`.writer`) checks, upserts, deletes and sends them up to 100 per request. Every
record gets a line in the JSONL report (:mod:`.report`); the run ends with a summary on
stderr and, when any record was not written, :class:`RecordsFailedError` (exit code 1).
"""

from __future__ import annotations

import copy
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from singer_sdk import Sink, Target
from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.exceptions import (
    ConfigValidationError,
    FatalSyncError,
    RecordsWithoutSchemaException,
)

from intacct._collector import collect_less
from intacct._singer_files import check_config_files
from intacct._singer_log import quiet_sdk_notes
from intacct.client import IntacctClient
from intacct.errors import IntacctError
from intacct.logging import log_options, say
from intacct.mappings import STREAM_ALIASES, UNIFIED_STREAMS
from intacct.target.report import Report
from intacct.target.rest_only_writes import rest_only_object
from intacct.target.settings import CONFIG_SCHEMA, TargetSettings
from intacct.target.sinks import ObjectSink, RestOnlySink, UnifiedSink
from intacct.target.writer import ObjectWriter

__all__ = ["RecordsFailedError", "TargetSageIntacct", "main"]


class RecordsFailedError(FatalSyncError):
    """Some records were not written; the report has a line for each."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(
            f"{report.failed} of {report.total} records not written; see {report.path}"
        )


class TargetSageIntacct(Target):
    """Singer streams into Sage Intacct objects (stream names are object names)."""

    name = "target-sage-intacct"
    package_name = "intacct-connector"
    # a copy: singer-sdk adds its own settings (stream_maps...) to the class's schema in
    # place, and CONFIG_SCHEMA stays what the key table declares
    config_jsonschema = copy.deepcopy(CONFIG_SCHEMA)
    default_sink_class = ObjectSink
    message_reader_class = MsgSpecReader

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """Each ``--config`` file a JSON object, else one line naming it."""
        check_config_files(value)
        return super().cb_config(ctx, param, value)

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """singer-sdk's command, with ``-h``, ``-v``/``-q`` and ``--log-format json``
        (:func:`intacct.logging.log_options`, over singer-sdk's console handler)."""
        quiet_sdk_notes(cls.logger)
        return log_options(super().get_singer_command(), default=logging.INFO)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_parallelism = 1  # the writer runs max_concurrency requests itself
        self._settings: TargetSettings | None = None
        self._writer: ObjectWriter | None = None
        self._clients: list[IntacctClient] = []
        # a bad config fails now, naming its key; then an earlier run's report goes, so
        # the one at report_path is always this run's (empty when no record came)
        Path(self.settings.write.report_path).unlink(missing_ok=True)

    @property
    def settings(self) -> TargetSettings:
        if self._settings is None:
            self._settings = TargetSettings.from_mapping(self.config, self.sdk_setting_keys())
        return self._settings

    @classmethod
    def sdk_setting_keys(cls) -> set[str]:
        """singer-sdk's own settings (``batch_size_rows``, ``load_method``, stream maps,
        ...): ``config_jsonschema`` with singer-sdk's built-in settings, which 0.55 no
        longer adds to the class attribute itself (and fills in the config's defaults)."""
        schema = copy.deepcopy(cls.config_jsonschema)
        cls.append_builtin_config(schema)
        return set(schema.get("properties", {}))

    @property
    def writer(self) -> ObjectWriter:
        """The run's writer: its client(s), caches and report, made on first use."""
        if self._writer is None:
            config = self.settings.client
            client = IntacctClient(config)
            self._clients.append(client)
            reader = None
            if config.dtd_version == "2.1":  # lookup and query exist in DTD 3.0 only
                reader = IntacctClient(replace(config, dtd_version="3.0"))
                self._clients.append(reader)
            report = Report(self.settings.write.report_path)
            self._writer = ObjectWriter(client, self.settings.write, report, reader=reader)
        return self._writer

    def get_sink(
        self,
        stream_name: str,
        *,
        record: dict[str, Any] | None = None,
        schema: dict[str, Any] | None = None,
        key_properties: Sequence[str] | None = None,
    ) -> Sink:
        """singer-sdk's sink for the stream, made to require no key property: a sink
        ends the run on a record without its stream's keys, and here such a record is
        written (a create: hotglue's unified creates carry no ``id``) or reported. The
        writer finds records by the object's own id field or RECORDNO, never by the
        stream's keys."""
        return super().get_sink(stream_name, record=record, schema=schema, key_properties=[])

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        """hotglue's unified streams go through the mappings; an object only the REST
        API has (the packaged catalog's, or the company's own, as its model service lists
        it) through REST (its config checked now, before any of its records); any other
        stream is an Intacct object."""
        if stream_name in UNIFIED_STREAMS or stream_name in STREAM_ALIASES:
            return UnifiedSink
        if rest_only_object(stream_name) is not None or self._company_own(stream_name):
            self.settings.check_rest_only(stream_name)
            return RestOnlySink
        return ObjectSink

    def _company_own(self, stream_name: str) -> bool:
        """Whether ``stream_name`` is a REST-only object of the company's own (asked of
        its model service only for a name no XML object has, with the OAuth app set)."""
        if stream_name == stream_name.upper() or not self.settings.client.client_id:
            return False
        return self.writer.rest_only_object(stream_name) is not None

    def process_endofpipe(self) -> None:
        """Drain every sink, then close, summarize and fail if any record failed."""
        try:
            super().process_endofpipe()
        finally:
            for client in self._clients:
                client.close()
        report = self._writer.report if self._writer else Report(self.settings.write.report_path)
        report.close()
        say(report.summary(), logging.INFO, self.name)
        if report.failed:
            raise RecordsFailedError(report)


def main() -> None:
    """The ``target-sage-intacct`` executable. A bad config or failed records end it with
    their message and exit code 1 (no traceback); the report says which records."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    collect_less()
    try:
        TargetSageIntacct.cli()
    except (IntacctError, RecordsFailedError) as exc:
        say(f"target-sage-intacct: {exc}", logging.ERROR, "target-sage-intacct")
        sys.exit(1)
    except RecordsWithoutSchemaException as exc:
        say(f"target-sage-intacct: {_schema_first(exc)}", logging.ERROR, "target-sage-intacct")
        sys.exit(1)
    except ConfigValidationError as exc:  # singer-sdk's check of the config's types
        say(
            f"target-sage-intacct: {exc}: {'; '.join(exc.errors)}",
            logging.ERROR,
            "target-sage-intacct",
        )
        sys.exit(1)


def _schema_first(exc: RecordsWithoutSchemaException) -> str:
    """What was wrong with the input: a stream's RECORD before its SCHEMA (singer-sdk's
    text names the stream, quoted, and nothing else does)."""
    named = re.search(r"stream '([^']*)'", str(exc))
    if named is None:
        return str(exc)
    return (
        f"a RECORD message of stream {named[1]!r} came before its SCHEMA message: a "
        "stream's SCHEMA message must come first (the Singer spec; check the tap or file "
        "that feeds this target)"
    )
