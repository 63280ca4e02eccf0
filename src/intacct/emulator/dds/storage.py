"""Where a DDS job's files go: a company's cloud storage target, a real object store
written through fsspec, the library a reader of the files uses too: s3fs for a target
of kind S3 (any store that speaks the S3 API; in the tests, moto's server), adlfs for
one of kind Azure (Blob Storage; in the tests, Microsoft's Azurite).

A target that cannot be written fails the job with an ERROR in Intacct's words [U: the
texts are ours]; no credential and no store's own message (which may quote a key id or
a signature) ever reaches the ERROR or the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from intacct.emulator.dds.settings import Target

__all__ = ["StorageError", "write_files"]

log = logging.getLogger("intacct.emulator")


class StorageError(Exception):
    """The target refused the files; ``str()`` is the job's ERROR (no secret in it)."""


def write_files(target: Target, folder: str, files: Iterable[tuple[str, bytes]]) -> None:
    """Write each ``(name, content)`` under ``bucket/prefix/folder/`` (the container's,
    for Azure), one file at a time as ``files`` yields them; StorageError when the
    target refuses them (some may have been written then)."""
    base = "/".join(part for part in (target.bucket, target.prefix, folder) if part)
    with _refusals(target):
        fs = _filesystem(target)
        for name, content in files:
            fs.pipe_file(f"{base}/{name}", content)


def _filesystem(target: Target) -> Any:
    """The target's fsspec filesystem, signed with its own credentials."""
    try:
        if target.kind == "Azure":
            import adlfs  # type: ignore[import-untyped]  # the [dds] extra

            # a connection string: adlfs takes an http endpoint (Azurite) in no other form
            connection = (
                f"DefaultEndpointsProtocol={target.endpoint_url.split(':', 1)[0]};"
                f"AccountName={target.account_name};AccountKey={target.account_key};"
                f"BlobEndpoint={target.endpoint_url.rstrip('/')};"
            )
            return adlfs.AzureBlobFileSystem(connection_string=connection, skip_instance_cache=True)
        import s3fs  # type: ignore[import-untyped]  # the [dds] extra

        return s3fs.S3FileSystem(
            key=target.access_key_id,
            secret=target.secret_access_key,
            endpoint_url=target.endpoint_url,
            client_kwargs={"region_name": target.region},
            skip_instance_cache=True,  # never another target's credentials
            use_listings_cache=False,
        )
    except ImportError as exc:
        raise StorageError(
            f"Cloud storage target '{target.name}' could not be reached: the emulator "
            f"writes DDS files of kind {target.kind} with {exc.name} (pip install "
            "'intacct-connector[dds]')."
        ) from None


def _status(exc: BaseException) -> int | None:
    """The HTTP status an Azure SDK error carries (azure.core's ``status_code``)."""
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


@contextmanager
def _refusals(target: Target) -> Iterator[None]:
    """The store's refusals as the job's ERROR: s3fs raises PermissionError and
    FileNotFoundError, the Azure SDK its own errors with the HTTP status."""
    where = "container" if target.kind == "Azure" else "bucket"
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:  # noqa: BLE001 (whatever the store or network says: no secret out)
        status = _status(exc)
        if isinstance(exc, PermissionError) or status in (401, 403):
            raise StorageError(
                f"Cloud storage target '{target.name}' refused the credentials: the files "
                "could not be written. Check the target's access key and its permissions."
            ) from None
        if isinstance(exc, FileNotFoundError) or status == 404:
            raise StorageError(
                f"Cloud storage target '{target.name}': {where} '{target.bucket}' does not exist."
            ) from None
        log.warning("DDS files for target %r not written: %s", target.name, type(exc).__name__)
        raise StorageError(
            f"Cloud storage target '{target.name}' could not be reached: the files could "
            "not be written."
        ) from None
