"""Logging that cannot leak secrets, one setup for every executable, and an opt-in
history of recent exchanges.

:class:`RedactingFormatter` runs every formatted line (message, arguments, traceback)
through :func:`~intacct.protocol.redact.redact`, with the secrets passed to it and every
client's passwords (:func:`register_secrets`). :func:`configure` is the one setup that
``intacct sync``/``doctor`` and the Singer executables share (:func:`log_options`:
``-v``/``-q``/``--log-format text|json``): a handler on standard error, text lines or
JSON lines with ``time``, ``level``, ``logger``, ``message`` (and a record's ``fields``);
within :func:`warnings_shown_by`, a warning in text is shown as the command's own lines.
Progress goes to the ``intacct.progress`` logger, shown unless ``-q``. :class:`HistoryHook`
keeps the last N request/response pairs, already redacted, for debugging a failed run
after the fact.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import click

from intacct.protocol.redact import redact

__all__ = [
    "PROGRESS",
    "Exchange",
    "HistoryHook",
    "JsonFormatter",
    "RedactingFormatter",
    "configure",
    "counted",
    "log_choice",
    "log_format",
    "log_options",
    "plain_text",
    "register_secrets",
    "say",
    "warnings_shown_by",
]

#: the logger progress goes to (a page read, an object done): shown unless ``-q``
PROGRESS = "intacct.progress"
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
#: what the last :func:`configure` chose, for :func:`say`
_chosen = {"format": "text", "quiet": False}
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
#: other libraries' loggers with a handler and a format of their own that they set up
#: when they start (dlt's: on standard error, not propagated): logged through ours instead
_OWN_HANDLERS = ("dlt",)
#: who shows a warning in text instead of the handler, innermost last (warnings_shown_by)
_shown_by: list[Callable[[str], None]] = []


def register_secrets(values: Iterable[str]) -> None:
    """Values every formatter of this module blanks out from now on (each client's
    passwords register themselves)."""
    with _secrets_lock:
        _secrets.update(v for v in values if v)


def _known(extra: tuple[str, ...]) -> tuple[str, ...]:
    with _secrets_lock:
        return (*extra, *_secrets)


class RedactingFormatter(logging.Formatter):
    """A formatter that redacts sensitive XML elements and any registered secret."""

    def __init__(
        self,
        fmt: str | None = None,
        datefmt: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        super().__init__(fmt, datefmt)
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), _known(self.secrets))


class JsonFormatter(RedactingFormatter):
    """One JSON object a line: time (UTC), level, logger, message, the record's
    ``fields`` (``extra={"fields": {...}}``) and its exception; redacted as a whole."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update({k: v for k, v in fields.items() if k not in out})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, default=str), _known(self.secrets))


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Standard error as it is when a line is written (rich's live display and test
    runners replace ``sys.stderr``)."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        """The stream is always the current standard error."""


def configure(verbosity: int = 0, log_format: str = "text", default: int = logging.WARNING) -> None:
    """Log to standard error at ``default`` level (``verbosity`` 0), one level more per
    ``-v``; ``-q`` (-1): errors only and no progress. Other libraries' debug lines
    (keyring's backends, httpx's requests) only past the most detailed level. A handler
    already on standard error (singer-sdk's console handler) keeps its text format,
    redacted; with none, one is added. Safe to call again (click calls it once per
    option)."""
    level = logging.ERROR if verbosity < 0 else max(logging.DEBUG, default - 10 * verbosity)
    _chosen.update(format=log_format, quiet=verbosity < 0)
    # past the most detailed level (-vvv for intacct sync): every library's debug too
    wired = default - 10 * verbosity < logging.DEBUG
    root = logging.getLogger()
    handlers = [h for h in root.handlers if _on_stderr(h)]
    if not handlers:
        handlers = [_Stderr()]
        handlers[0].setFormatter(RedactingFormatter(TEXT_FORMAT))
        root.addHandler(handlers[0])
    for handler in handlers:
        text = getattr(handler, "_intacct_text", None)
        if text is None:
            text = _Redacted(handler.formatter or logging.Formatter(TEXT_FORMAT))
            handler._intacct_text = text  # type: ignore[attr-defined]
        handler.setFormatter(JsonFormatter() if log_format == "json" else text)
        _others_from(handler, logging.DEBUG if wired else logging.INFO)
        if not any(isinstance(f, _ShownElsewhere) for f in handler.filters):
            handler.addFilter(_ShownElsewhere())  # after _Others: what it lets through
    root.setLevel(level)
    for name in _OWN_HANDLERS:
        _forwarded(logging.getLogger(name))
    logging.getLogger(PROGRESS).setLevel(logging.ERROR if verbosity < 0 else logging.INFO)
    # a line per request and per socket event, at INFO: only past the most detailed level
    # (the Azure SDK's: each request and answer of a DDS file read from Blob Storage)
    for name in ("httpx", "httpcore", "azure.core.pipeline.policies.http_logging_policy"):
        logging.getLogger(name).setLevel(logging.DEBUG if wired else logging.WARNING)


class _Others(logging.Filter):
    """Lets other libraries' records through from ``level`` up; ours always (the
    loggers' levels decide for those)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return _ours(record) or record.levelno >= self.level


def _ours(record: logging.LogRecord) -> bool:
    return record.name == "intacct" or record.name.startswith("intacct.")


def _others_from(handler: logging.Handler, level: int) -> None:
    """``handler`` shows other libraries' records from ``level`` up (one filter each)."""
    for existing in handler.filters:
        if isinstance(existing, _Others):
            existing.level = level
            return
    handler.addFilter(_Others(level))


class _Forward(logging.Handler):
    """A library logger's handler that hands its records to the root's handlers (our
    format, redacted, shown as a run shows warnings). dlt, starting, takes its logger's
    first handler, sets its formatter (refused here) and stops propagation."""

    def setFormatter(self, fmt: logging.Formatter | None) -> None:  # noqa: N802 (logging's)
        """The root's handlers format what this forwards."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger().handle(record)


def _forwarded(logger: logging.Logger) -> None:
    """``logger``'s records through the root's handlers alone, whatever the library
    sets up later (see :class:`_Forward`)."""
    if not any(isinstance(h, _Forward) for h in logger.handlers):
        logger.handlers[:] = [_Forward()]
    logger.propagate = False  # forwarded once: not propagated as well


class _ShownElsewhere(logging.Filter):
    """A warning, in text within :func:`warnings_shown_by`, goes to who shows it there
    (once, whatever the handlers), not to the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        shown = _shown_by[-1:]  # a copy: another thread may leave the block meanwhile
        if not shown or record.levelno != logging.WARNING or _chosen["format"] != "text":
            return True
        if not getattr(record, "_intacct_shown", False):
            record._intacct_shown = True
            shown[0](redact(_text_of(record), _known(())))
        return False


def _text_of(record: logging.LogRecord) -> str:
    """A warning as a line of the command's: another library's named, a traceback kept."""
    text = record.getMessage() if _ours(record) else f"{record.name}: {record.getMessage()}"
    if record.exc_info:
        text += "\n" + logging.Formatter().formatException(record.exc_info)
    return text


@contextmanager
def warnings_shown_by(show: Callable[[str], None]) -> Iterator[None]:
    """Within the block, with ``--log-format text``, every warning logged (by a library
    module, from any thread) is given to ``show``, redacted, instead of being written as
    a log line: ``intacct sync`` shows them as its own lines (a run's reporter, a plain
    ``warning:`` line around it), not in a log line's format among them. JSON keeps its
    records: one object a line is the run's own format there."""
    _shown_by.append(show)
    try:
        yield
    finally:
        _shown_by.remove(show)


def log_format() -> str:
    """The format standard error has (``text`` or ``json``), as configured last."""
    return str(_chosen["format"])


def plain_text() -> bool:
    """Whether people read standard error as text with progress (neither ``-q`` nor
    ``--log-format json``): a line may then be redrawn in place on a terminal."""
    return _chosen["format"] == "text" and not _chosen["quiet"]


def counted(number: int, noun: str) -> str:
    """``1 request``, ``2 requests``: a count for people and its noun, singular for one."""
    return f"{number:,} {noun if number == 1 else noun + 's'}"


def say(text: str, level: int = logging.INFO, logger: str = PROGRESS) -> None:
    """A line for people on standard error: as it is, or a record of ``logger`` with
    ``--log-format json``; ``-q`` keeps only errors."""
    if _chosen["quiet"] and level < logging.ERROR:
        return
    if _chosen["format"] == "json":
        logging.getLogger(logger).log(level, text)
    else:
        print(redact(text, _known(())), file=sys.stderr, flush=True)


def _on_stderr(handler: logging.Handler) -> bool:
    return isinstance(handler, _Stderr) or getattr(handler, "stream", None) is sys.stderr


class _Redacted(logging.Formatter):
    """Another formatter's lines, redacted."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), _known(()))


_META = "intacct.log."


def log_choice(ctx: click.Context) -> tuple[int, str]:
    """(verbosity, format) as :func:`log_options` read them: -1 for ``-q``."""
    quiet = ctx.meta.get(f"{_META}quiet", False)
    verbosity = -1 if quiet else int(ctx.meta.get(f"{_META}verbose", 0))
    return verbosity, str(ctx.meta.get(f"{_META}log_format", "text"))


def log_options(command: click.Command, default: int = logging.WARNING) -> click.Command:
    """``-v/--verbose`` (repeatable), ``-q/--quiet``, ``--log-format text|json`` and
    ``-h`` on ``command``, applied before anything else runs (eager options)."""

    def apply(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        ctx.meta[f"{_META}{param.name}"] = value
        configure(*log_choice(ctx), default)
        return value

    command.params += [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            is_eager=True,
            expose_value=False,
            callback=apply,
            help="More detail on standard error (-vv: every request).",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            is_eager=True,
            expose_value=False,
            callback=apply,
            help="Errors only: no progress, no notes.",
        ),
        click.Option(
            ["--log-format"],
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            is_eager=True,
            expose_value=False,
            callback=apply,
            help="json: one object a line (time, level, logger, message).",
        ),
    ]
    command.context_settings["help_option_names"] = ["-h", "--help"]
    return command


@dataclass(frozen=True, slots=True)
class Exchange:
    at: datetime
    http_status: int
    request: str
    response: str


class HistoryHook:
    """Keeps the last ``size`` exchanges, redacted when recorded (never stored raw)."""

    def __init__(self, size: int = 10) -> None:
        self._items: deque[Exchange] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(
        self, request: bytes, response: bytes, http_status: int, secrets: tuple[str, ...] = ()
    ) -> None:
        item = Exchange(
            at=datetime.now(UTC),
            http_status=http_status,
            request=redact(request.decode("utf-8", "replace"), secrets),
            response=redact(response.decode("utf-8", "replace"), secrets),
        )
        with self._lock:
            self._items.append(item)

    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._items)

    @property
    def last(self) -> Exchange | None:
        with self._lock:
            return self._items[-1] if self._items else None
