"""Reading a completed DDS job's CSV files from the company's cloud storage: through
fsspec (s3fs for Amazon S3 and stores that speak its API; adlfs for Azure Blob Storage),
parsed columnar by pyarrow's streaming CSV reader, a block at a time.

A file is never held whole: the store is read through a buffer of ``block_size`` bytes
and pyarrow parses a block of ``block_size`` bytes into one record batch, which is yielded
before the next is read (gzip files, ``compress``, decompressed on the way).

What a file must hold (Sage's overview [V]: ``ddsReadTime`` in every file,
``ddsChangeType`` in a change job's, deleted records in files of their own): a header
row (``includeHeaders``, the default) naming the object's fields, then ``ddsReadTime``,
then in a change job ``ddsChangeType``; a deleted records' file names the object's key,
``ddsReadTime`` and ``ddsChangeType``. [U] The fields' order (the emulator writes
``lookup``'s; Sage's DDL lists the object's fields, then ``ddsReadTime``), the delete
file's columns (the key Sage's DDL declares) and that FILELIST names the files from the
target's prefix. A file is told a delete file by its header, not its name (the names are
[U]). Every value is read as the text the file holds (as the gateway's reads print
it); typing them is the reader's caller's.

Credentials are never given here: the store's own chain finds them (for S3 botocore's:
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, an instance role; for Azure
``AZURE_STORAGE_*`` variables or azure-identity's ``DefaultAzureCredential``). No
credential, and no message of the store's (which may quote a key id), reaches an error
or the log.
"""

from __future__ import annotations

import functools
import gzip
import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv

from intacct.errors import DdsError, DdsFileError, DdsStorageError, RequestBuildError
from intacct.protocol.dds import DdsJob

__all__ = [
    "DDS_CHANGE_TYPE",
    "DDS_READ_TIME",
    "DdsBatch",
    "DdsReader",
    "DdsRow",
    "StorageTarget",
]

log = logging.getLogger("intacct.client.dds")

DDS_READ_TIME, DDS_CHANGE_TYPE = "ddsReadTime", "ddsChangeType"
KINDS = ("s3", "azure")
DEFAULT_BLOCK_SIZE = 1 << 20  # 1 MiB: a batch of a few thousand rows
_COUNTS = re.compile(r"Expected (\d+) columns, got (\d+)")
#: the variables adlfs reads (and azure-identity's chain beyond them)
_CONNECTION, _ACCOUNT = "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_NAME"
_KEY, _SAS = "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_SAS_TOKEN"


@dataclass(frozen=True, slots=True)
class StorageTarget:
    """Where a company's DDS target writes, as this machine reads it: ``kind`` ``s3``
    (Amazon S3 or a store speaking its API) or ``azure`` (Blob Storage), ``bucket`` (the
    bucket or container), ``prefix`` (the target's folder in it), ``endpoint_url`` (a
    store other than the cloud's own), ``region`` (S3), ``account_name`` (Azure). No
    credential: those come from the environment or the cloud's credential chain."""

    kind: Literal["s3", "azure"]
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    account_name: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RequestBuildError("storage kind", f"{self.kind!r} is not one of {KINDS}")
        if not self.bucket or "/" in self.bucket:
            raise RequestBuildError("storage bucket", "a bucket or container name, no '/'")
        object.__setattr__(self, "prefix", self.prefix.strip("/"))

    def path(self, name: str) -> str:
        """A FILELIST name's path in the store (``bucket/prefix/name``)."""
        return "/".join(part for part in (self.bucket, self.prefix, name.lstrip("/")) if part)

    def filesystem(self) -> Any:
        """An fsspec filesystem for the target, credentials from the usual chains."""
        if self.kind == "s3":
            import s3fs  # type: ignore[import-untyped]  # the [dds] extra

            return s3fs.S3FileSystem(
                endpoint_url=self.endpoint_url,
                client_kwargs={"region_name": self.region} if self.region else {},
                skip_instance_cache=True,  # never another target's credentials
                use_listings_cache=False,
            )
        import adlfs  # type: ignore[import-untyped]  # the [dds] extra

        return adlfs.AzureBlobFileSystem(**self._azure(), skip_instance_cache=True)

    def _azure(self) -> dict[str, Any]:
        """adlfs's arguments: its own chain finds the credentials. A connection string
        (``AZURE_STORAGE_CONNECTION_STRING``, its endpoint included) first, as adlfs
        takes it; else the account (``account_name`` or ``AZURE_STORAGE_ACCOUNT_NAME``)
        at ``endpoint_url``'s host or Azure's own, signed by ``AZURE_STORAGE_ACCOUNT_KEY``,
        ``AZURE_STORAGE_SAS_TOKEN``, a service principal's ``AZURE_STORAGE_CLIENT_*`` or
        azure-identity's ``DefaultAzureCredential`` (a managed identity, the Azure CLI's
        sign-in). An ``http://`` endpoint (a local store such as Azurite) takes a key or a
        SAS token only, put in a connection string here (adlfs builds ``https://`` URLs
        from an account's host): the credential stays in memory, never in a message."""
        if os.environ.get(_CONNECTION):
            return {}
        url = (self.endpoint_url or "").rstrip("/")
        if not url.startswith("http://"):
            host = url.split("://", 1)[1] if url else None
            return {"account_name": self.account_name, "account_host": host, "anon": False}
        key, sas = os.environ.get(_KEY), os.environ.get(_SAS)
        account = self.account_name or os.environ.get(_ACCOUNT) or ""
        if not (key or sas) or not account:
            raise DdsStorageError(
                f"the azure storage at {url} (http) is read with an account name "
                f"(dds_account_name or {_ACCOUNT}) and {_KEY} or {_SAS} in the environment, "
                f"or {_CONNECTION}"
            )
        signed = f"AccountKey={key}" if key else f"SharedAccessSignature={(sas or '').lstrip('?')}"
        return {
            "connection_string": f"DefaultEndpointsProtocol=http;AccountName={account};"
            f"{signed};BlobEndpoint={url};"
        }


@dataclass(frozen=True, slots=True)
class DdsBatch:
    """Up to a block's rows of one file: ``deletes`` when the file holds deleted
    records (its columns the key, ddsReadTime, ddsChangeType), else records."""

    file: str
    deletes: bool
    batch: pa.RecordBatch


@dataclass(frozen=True, slots=True)
class DdsRow:
    """One row of a file: ``values`` by column name (the key and ddsReadTime alone for
    a delete, with ddsChangeType ``delete``)."""

    file: str
    deletes: bool
    values: dict[str, str]


@dataclass(frozen=True)
class DdsReader:
    """The files of the completed ``job``, read from ``target``: the object's ``fields``
    (in the files' order) and its ``key`` (the deleted records' column).

    Costs no API transaction: the files are read from the store. Raises
    :class:`~intacct.errors.DdsFileError` for a file missing, truncated or with another
    header, :class:`~intacct.errors.DdsStorageError` when the store refuses the
    credentials or is out of reach; both name the job and the file."""

    job: DdsJob
    target: StorageTarget
    fields: Sequence[str]
    key: str
    block_size: int = DEFAULT_BLOCK_SIZE
    memory_pool: Any = None  # pyarrow's default pool unless given (tests measure with one)
    filesystem: Any = field(default=None, repr=False)  # the target's unless given

    def __post_init__(self) -> None:
        if not self.job.completed:
            raise RequestBuildError("job", f"DDS job {self.job.recordno} is {self.job.status}")
        if self.block_size < 1024:
            raise RequestBuildError("block_size", "at least 1024 bytes")
        object.__setattr__(self, "fields", tuple(self.fields))

    @property
    def header(self) -> tuple[str, ...]:
        """The columns a records' file must name, in order."""
        tail = (DDS_CHANGE_TYPE,) if self.job.job_type == "change" else ()
        return (*self.fields, DDS_READ_TIME, *tail)

    @property
    def delete_header(self) -> tuple[str, ...]:
        """The columns a deleted records' file must name, in order."""
        return (self.key, DDS_READ_TIME, DDS_CHANGE_TYPE)

    def batches(self) -> Iterator[DdsBatch]:
        """Every file's record batches, file by file in FILELIST order."""
        fs = self.filesystem if self.filesystem is not None else self._open_store()
        for name in self.job.files:
            yield from self._file(fs, name)

    def rows(self) -> Iterator[DdsRow]:
        """Every file's rows, as text by column name."""
        for part in self.batches():
            for values in part.batch.to_pylist():
                yield DdsRow(part.file, part.deletes, values)

    # -- one file -------------------------------------------------------------------

    def _open_store(self) -> Any:
        try:
            return self.target.filesystem()
        except ImportError as exc:
            raise self._storage_error(
                f"cannot read {self.target.kind} storage: {exc.name} is not installed (pip "
                "install 'intacct-connector[dds]')"
            ) from None
        except DdsStorageError as exc:  # what the target lacks, said by the target
            raise self._storage_error(str(exc)) from None
        except ValueError as exc:  # adlfs's: no account, a malformed connection string
            log.warning("DDS storage not opened: %s", type(exc).__name__)  # no message: keys
            raise self._storage_error(
                f"the {self.target.kind} storage could not be opened ({type(exc).__name__}: "
                "check its account and the credentials in the environment)"
            ) from None

    def _storage_error(self, why: str, file: str = "") -> DdsStorageError:
        return DdsStorageError(
            f"{self._job()}: {why}", recordno=self.job.recordno, object=self.job.object, file=file
        )

    def _job(self) -> str:
        return f"DDS job {self.job.recordno} ({self.job.ddsjob or self.job.object})"

    def _file_error(self, name: str, problem: str, why: str) -> DdsFileError:
        return DdsFileError(
            f"{self._job()}: file {name} {why}",
            recordno=self.job.recordno,
            object=self.job.object,
            file=name,
            problem=problem,
        )

    def _file(self, fs: Any, name: str) -> Iterator[DdsBatch]:
        path = self.target.path(name)
        with ExitStack() as stack:
            try:
                raw = stack.enter_context(
                    fs.open(path, "rb", block_size=self.block_size, cache_type="readahead")
                )
            except _store_errors() as exc:
                raise self._store_error(name, exc) from None
            source: Any = raw
            if name.endswith(".gz"):
                source = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
            yield from self._parse(name, source)

    def _store_error(self, name: str, exc: BaseException) -> DdsError:
        """What the store said reading ``name``, as the job's error: the file missing,
        the credentials refused, or the store out of reach (its own message left out:
        it may quote a key id or a signature). s3fs raises Python's errors, the Azure
        SDK its own with the HTTP status."""
        status = getattr(exc, "status_code", None)
        if isinstance(exc, FileNotFoundError) or status == 404:
            return self._file_error(name, "missing", "is missing from the storage")
        if isinstance(exc, PermissionError) or status in (401, 403):
            return self._storage_error(
                f"the {self.target.kind} storage refused the credentials reading file {name} "
                f"from {self._where()} {self.target.bucket!r} (check the credentials in the "
                "environment and their permissions)",
                name,
            )
        log.warning("DDS file %s not read: %s", name, type(exc).__name__)  # no message: keys
        return self._storage_error(
            f"the {self.target.kind} storage could not be read for file {name} "
            f"({type(exc).__name__})",
            name,
        )

    def _where(self) -> str:
        return "container" if self.target.kind == "azure" else "bucket"

    def _parse(self, name: str, source: Any) -> Iterator[DdsBatch]:
        read = pacsv.ReadOptions(block_size=self.block_size, use_threads=False)
        try:
            reader = pacsv.open_csv(
                source,
                read_options=read,
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=self._convert(),
                memory_pool=self.memory_pool,
            )
        except (pa.ArrowInvalid, EOFError, gzip.BadGzipFile) as exc:
            raise self._broken(name, exc) from None
        except _store_errors() as exc:
            raise self._store_error(name, exc) from None
        # closed before its file: the reader reads ahead on an I/O thread of pyarrow's,
        # and one left to the garbage collector read a file already closed (a segfault)
        try:
            yield from self._read(name, reader)
        finally:
            reader.close()

    def _read(self, name: str, reader: Any) -> Iterator[DdsBatch]:
        header = tuple(reader.schema.names)
        if header == self.header:
            deletes = False
        elif header == self.delete_header:
            deletes = True
        else:
            raise self._file_error(
                name,
                "header",
                f"has the header {_shown(header)}, not {_shown(self.header)} (nor a deleted "
                f"records' {_shown(self.delete_header)})",
            )
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, EOFError, gzip.BadGzipFile) as exc:
                raise self._broken(name, exc) from None
            except _store_errors() as exc:
                raise self._store_error(name, exc) from None
            yield DdsBatch(name, deletes, batch)

    def _convert(self) -> pacsv.ConvertOptions:
        names = (*self.header, self.key)
        return pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},  # text as written
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )

    def _broken(self, name: str, exc: BaseException) -> DdsFileError:
        text = str(exc)
        if "empty" in text.lower():
            return self._file_error(name, "truncated", "is empty: no header row")
        why = "is truncated or malformed"
        counted = _COUNTS.search(text)  # pyarrow's; the row itself (data) left out
        if counted:
            why += f" (a row of {counted[2]} columns, {counted[1]} expected)"
        elif isinstance(exc, EOFError | gzip.BadGzipFile):
            why += " (its compressed stream is cut off)"
        return self._file_error(name, "truncated", why)


@functools.cache
def _store_errors() -> tuple[type[BaseException], ...]:
    """What a store's read raises: Python's I/O errors (s3fs, fsspec), and the Azure
    SDK's own errors where it is installed (adlfs lets some through)."""
    try:
        from azure.core.exceptions import AzureError
    except ImportError:
        return (OSError,)
    return (OSError, AzureError)


def _shown(columns: Sequence[str]) -> str:
    text = ", ".join(columns)
    return f"({text[:300]}{'...' if len(text) > 300 else ''})"
