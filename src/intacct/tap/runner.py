"""The tap's engine runs, without the Tap: what a run needs is its settings, the Singer
state with its writer, and a log (:class:`TapRun`); :func:`replicate` runs the engine
(:func:`intacct.replication.replicate`, as ``intacct sync`` does) over the selected
streams and writes RECORD, then STATE, per page (:mod:`.sink`, or :mod:`.unified`'s
sink for hotglue's unified tables).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from singer_sdk.exceptions import FatalSyncError

from intacct.client import IntacctClient
from intacct.replication import (
    ReplicationSettings,
    RunReport,
    RunState,
    Sink,
    StreamSpec,
)
from intacct.replication import (
    replicate as replicate_engine,
)
from intacct.tap.settings import TapSettings
from intacct.tap.sink import SingerSink, read_state
from intacct.tap.streams import IntacctStream
from intacct.tap.unified_streams import UnifiedSink, UnifiedStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import TapState

    from intacct.tap.sink import StateWriter

__all__ = ["StreamsFailedError", "TapRun", "replicate", "run_engine"]


class StreamsFailedError(FatalSyncError):
    """Some streams failed; the others finished and their state was written."""

    def __init__(self, report: RunReport) -> None:
        self.report = report
        failed = "; ".join(
            f"{s.object}{f' (entity {s.entity})' if s.entity else ''}: {s.error}"
            for s in report.failed
        )
        super().__init__(f"{len(report.failed)} stream(s) failed: {failed}")


@dataclass(frozen=True, slots=True)
class TapRun:
    """What one tap run reads with and writes to."""

    settings: TapSettings
    tap_state: TapState
    state_writer: StateWriter
    logger: logging.Logger


def replicate(run: TapRun, streams: Sequence[IntacctStream]) -> RunReport:
    """Run the engine over ``streams``: RECORD messages, then STATE, per page; failed
    streams end the run with :class:`StreamsFailedError` after the others finished."""
    if run.settings.replication.unified_schema:
        return _replicate_unified(run, [s for s in streams if isinstance(s, UnifiedStream)])
    lookback = run.settings.replication.lookback_minutes
    named = {s.name: s for s in streams}
    sink = SingerSink(named, run.tap_state, run.state_writer, run.logger, lookback)
    report = run_engine(run, [s.spec() for s in streams], read_state(run.tap_state), sink)
    check_report(run, report)
    return report


def _replicate_unified(run: TapRun, streams: Sequence[UnifiedStream]) -> RunReport:
    """One engine run for the unified ``streams`` (:mod:`.unified`); with a
    ``start_date``, a second one for the line objects, which are read whole: a document
    changed since then keeps its lines written before."""
    settings = run.settings.replication
    sink = UnifiedSink(
        streams, run.tap_state, run.state_writer, run.logger, settings.lookback_minutes
    )
    specs = {s.object: s for stream in streams for s in stream.specs()}  # Vendors + Suppliers
    if settings.start_date is None:
        report = run_engine(run, list(specs.values()), sink.state, sink)
    else:
        heads = [spec for obj, spec in specs.items() if obj not in sink.documents]
        lines = [spec for obj, spec in specs.items() if obj in sink.documents]
        report = run_engine(run, heads, sink.state, sink)
        whole = replace(settings, start_date=None)
        report.streams += run_engine(run, lines, RunState(), sink, whole).streams
    sink.finish(report)
    check_report(run, report)
    return report


def run_engine(
    run: TapRun,
    specs: Sequence[StreamSpec],
    state: RunState,
    sink: Sink,
    replication: ReplicationSettings | None = None,
) -> RunReport:
    """One engine run with the run's client and settings (``replication`` replaces the
    config's engine settings); every stream's result logged."""
    logger = run.logger

    def progress(stream: str, entity: str, records: int, requests: int, size: int) -> None:
        where = f" (entity {entity})" if entity else ""
        logger.info(
            "%s%s: page of %d records, %d bytes (%d requests)",
            stream, where, records, size, requests,
        )  # fmt: skip

    with IntacctClient(run.settings.client) as client:  # one API session, closed after
        report = replicate_engine(
            client,
            specs,
            sink=sink,
            state=state,  # the Singer state, written with every page by the sink
            settings=replication or run.settings.replication,
            progress=progress,
        )
    for result in report.streams:
        logger.info(
            "%s%s: %d records, %d deletes, %d requests",
            result.object,
            f" (entity {result.entity})" if result.entity else "",
            result.records,
            result.tombstones,
            result.requests,
        )
    return report


def check_report(run: TapRun, report: RunReport) -> None:
    """Failed streams are logged, then end the run with :class:`StreamsFailedError`."""
    if report.failed:
        for result in report.failed:
            run.logger.error("%s failed: %s", result.object, result.error)
        raise StreamsFailedError(report)
