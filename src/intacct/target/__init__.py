"""``target-sage-intacct``: a Singer target for Sage Intacct on singer-sdk, writing
through the client in batches, idempotently, with a report line per record."""

from intacct.target.target import RecordsFailedError, TargetSageIntacct, main

__all__ = ["RecordsFailedError", "TargetSageIntacct", "main"]
