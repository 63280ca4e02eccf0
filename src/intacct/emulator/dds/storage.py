"""Where a DDS job's files go: a company's cloud storage target, a real object store
that speaks the S3 API (in the tests, moto's server), written through fsspec's s3fs,
the library a reader of the files uses too (and whose siblings, adlfs and gcsfs, would
give the other kinds of target the same interface).

A target that cannot be written fails the job with an ERROR in Intacct's words [U: the
texts are ours]; no credential and no store's own message (which may quote a key id)
ever reaches the ERROR or the log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from intacct.emulator.dds.settings import Target

__all__ = ["StorageError", "write_files"]

log = logging.getLogger("intacct.emulator")


class StorageError(Exception):
    """The target refused the files; ``str()`` is the job's ERROR (no secret in it)."""


def write_files(target: Target, folder: str, files: Sequence[tuple[str, bytes]]) -> None:
    """Write each ``(name, content)`` under ``bucket/prefix/folder/``; StorageError when
    the target refuses them (some may have been written then)."""
    try:
        import s3fs  # type: ignore[import-untyped]  # the [dds] extra
    except ImportError:
        raise StorageError(
            f"Cloud storage target '{target.name}' could not be reached: the emulator "
            "writes DDS files with s3fs (pip install 'intacct-connector[dds]')."
        ) from None
    base = "/".join(part for part in (target.bucket, target.prefix, folder) if part)
    try:
        fs = s3fs.S3FileSystem(
            key=target.access_key_id,
            secret=target.secret_access_key,
            endpoint_url=target.endpoint_url,
            client_kwargs={"region_name": target.region},
            skip_instance_cache=True,  # never another target's credentials
            use_listings_cache=False,
        )
        fs.pipe({f"{base}/{name}": content for name, content in files})
    except PermissionError:
        raise StorageError(
            f"Cloud storage target '{target.name}' refused the credentials: the files "
            "could not be written. Check the target's access key and its permissions."
        ) from None
    except FileNotFoundError:
        raise StorageError(
            f"Cloud storage target '{target.name}': bucket '{target.bucket}' does not exist."
        ) from None
    except Exception as exc:  # noqa: BLE001 (whatever the store or network says: no secret out)
        log.warning("DDS files for target %r not written: %s", target.name, type(exc).__name__)
        raise StorageError(
            f"Cloud storage target '{target.name}' could not be reached: the files could "
            "not be written."
        ) from None
