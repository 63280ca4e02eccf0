"""singer-sdk's log lines that tell a person nothing to act on, left out of the Singer
executables' logs: a filter on the plugin's logger, so our own lines on it stay (its
level would silence them too)."""

from __future__ import annotations

import logging

__all__ = ["quiet_sdk_notes"]

#: said at INFO on every run given ``--config FILE`` (only ``--config ENV`` reads the
#: environment): true of nearly every run, and nothing to do about it
_NOTES = frozenset({"Skipping parse of env var settings..."})


class _SdkNotes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in _NOTES


def quiet_sdk_notes(logger: logging.Logger) -> None:
    """Leave singer-sdk's notes of :data:`_NOTES` out of ``logger`` (once)."""
    if not any(isinstance(f, _SdkNotes) for f in logger.filters):
        logger.addFilter(_SdkNotes())
