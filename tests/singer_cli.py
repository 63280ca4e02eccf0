"""The Singer executables (``tap-sage-intacct``, ``target-sage-intacct``) run in-process:
their ``main`` with the arguments, standard input, output and error of a run of their own,
and the exit status the process would have ended with. A subprocess spends most of its
time importing; the tests that check what a run says and writes use this, and each
executable keeps tests that start it for real (exit codes through the console script).

What a run sets up for its process (singer-sdk's handler on the root logger and its
level, the level options, ``sys.excepthook``, warnings captured into logging and their
filters) is put back afterwards, so the next test in this process starts as before."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from click.testing import CliRunner

from intacct.logging import PROGRESS, configure

__all__ = ["Done", "run_main"]


@dataclass(frozen=True)
class Done:
    """What a finished run left, as :class:`subprocess.CompletedProcess` (text) has it."""

    returncode: int
    stdout: str
    stderr: str


def _status(code: object) -> tuple[int, str]:
    """The exit status of ``sys.exit(code)`` and what the interpreter prints for it."""
    if code is None:
        return 0, ""
    if isinstance(code, int):
        return code, ""
    return 1, f"{code}\n"


def run_main(
    main: Callable[[], object],
    name: str,
    *args: str,
    stdin: str = "",
    env: Mapping[str, str | None] | None = None,
) -> Done:
    """``name *args`` as ``main`` runs it (a console script's ``sys.exit(main())``)."""
    root = logging.getLogger()
    loggers = [root, *(logging.getLogger(n) for n in (PROGRESS, "httpx", "httpcore", name))]
    levels = [logger.level for logger in loggers]
    handlers = list(root.handlers)
    hook, argv = sys.excepthook, sys.argv
    with warnings.catch_warnings(), CliRunner().isolation(input=stdin, env=env) as streams:
        out, err, _ = streams
        sys.argv = [name, *args]
        try:
            returned = main()
        except SystemExit as exc:
            code, said = _status(exc.code)
        else:
            code, said = _status(returned)
        finally:
            logging.captureWarnings(False)
            configure()  # the defaults again: text, not quiet
            sys.excepthook, sys.argv = hook, argv
            root.handlers[:] = handlers
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)
        sys.stderr.write(said)
        sys.stdout.flush()
        sys.stderr.flush()
        return Done(code, out.getvalue().decode(), err.getvalue().decode())
