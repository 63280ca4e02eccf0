"""A snapshot for readers: a whole copy of a database file put in place in one rename.

DuckDB lets no other process open a file while a run writes it, so readers that keep
a connection open (a dashboard, a notebook) read a copy instead, which ``intacct sync
--snapshot PATH`` publishes after each run that stored a page. A reader sees the
last run's data or the new one, never a mix; a connection already open keeps the copy
it opened (the rename leaves its file in place) until it reconnects, and never holds
the writer up.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

__all__ = ["replace_with_copy"]

#: Linux's FICLONE ioctl: the copy shares the file's blocks (btrfs, XFS), made at once
_FICLONE = 0x40049409


def replace_with_copy(source: Path, to: Path) -> None:
    """``to`` replaced by a copy of ``source`` (which nobody writes meanwhile): written
    beside it, flushed to disk, then renamed over it, so a crash leaves the old copy or
    the new one, never half of one."""
    partial = to.with_name(f".{to.name}.{os.getpid()}.partial")
    try:
        with source.open("rb") as src, partial.open("wb") as dst:
            if not _cloned(src.fileno(), dst.fileno()) and not _copied(src.fileno(), dst.fileno()):
                shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        # a log left by someone who opened the old copy to write would be replayed
        # into the new one
        to.with_name(to.name + ".wal").unlink(missing_ok=True)
        os.replace(partial, to)
        _sync_directory(to.parent)
    finally:
        partial.unlink(missing_ok=True)


def _cloned(src: int, dst: int) -> bool:
    try:
        fcntl.ioctl(dst, _FICLONE, src)
    except OSError:
        return False
    return True


def _copied(src: int, dst: int) -> bool:
    """Copied in the kernel (copy_file_range), without passing through this process."""
    try:
        while os.copy_file_range(src, dst, 1 << 30):
            pass
    except (AttributeError, OSError):
        os.lseek(src, 0, os.SEEK_SET)
        os.ftruncate(dst, 0)
        os.lseek(dst, 0, os.SEEK_SET)
        return False
    return True


def _sync_directory(folder: Path) -> None:
    """The rename made durable (POSIX keeps it in the directory's entry)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
