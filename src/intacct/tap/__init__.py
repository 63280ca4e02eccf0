"""``tap-sage-intacct``: a Singer tap for Sage Intacct on singer-sdk, reading through the
replication engine (stream ids are Intacct object names)."""

from intacct.tap.tap import StreamsFailedError, TapSageIntacct, main

__all__ = ["StreamsFailedError", "TapSageIntacct", "main"]
