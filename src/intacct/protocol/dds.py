"""Sage's Data Delivery Service (DDS): the functions that list its objects and start a
job, and the typed reading of what they answer and of a ``DDSJOB`` record.

DDS exports an object's records to a cloud storage target the company defined in
Intacct's UI, as CSV files; a job is asynchronous: ``runDdsJob`` answers a ``ddsjob``
record with STATUS ``Queued`` and the caller polls the ``DDSJOB`` object (``read`` by the
RECORDNO it answered, or ``query``/``readByQuery``) until the job is done; FILELIST then
names the files (developer.intacct.com, data-delivery-service/ and its "Running a DDS
job" page, api/data-delivery-service/dds-jobs/).

``runDdsJob``'s optional ``timeStamp`` and ``fileConfiguration`` (``delimiter``,
``enclosure``, ``includeHeaders``, ``fileFormat`` unix|windows|mac, ``splitSize`` 1 to
100,000, ``compress``) are not on the developer pages; they are what Sage's own SDKs
send (intacct-sdk-php/-net/-js, ``DdsJobCreate``), so they are taken as Intacct's.

[U] The statuses after ``Queued``: ``Processing``, ``Completed`` and ``Failed``, as
Intacct's own 2014 PHP toolkit (intacctws-php, ``api_ddsJob``) names them; the pages
show ``Queued`` alone. [U] FILELIST is comma-separated (the same toolkit splits it on
``,``). [U] The answer of ``getDdsObjects`` is ``<DdsObjects><Objects><Object>NAME``
per object, as that toolkit reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from lxml import etree

from intacct.errors import RequestBuildError, ResponseFormatError
from intacct.protocol._base import Function, leaves
from intacct.protocol._checks import boolean, int_in_range, non_empty_text, object_name
from intacct.protocol.functions import Query, Read
from intacct.protocol.query import Filter, Order
from intacct.protocol.redact import excerpt
from intacct.protocol.response import Record
from intacct.protocol.values import decode_datetime
from intacct.protocol.xml import element, sub

__all__ = [
    "COMPLETED",
    "DDSJOB",
    "DDSJOB_FIELDS",
    "FAILED",
    "FILE_FORMATS",
    "JOB_TYPES",
    "MAX_SPLIT_SIZE",
    "PROCESSING",
    "QUEUED",
    "DdsJob",
    "FileConfiguration",
    "GetDdsObjects",
    "RunDdsJob",
    "parse_dds_job",
    "parse_dds_objects",
    "query_dds_jobs",
    "read_dds_job",
]

DDSJOB = "DDSJOB"
#: every field of a DDSJOB record, in the order the "Running a DDS job" page shows them
DDSJOB_FIELDS = (
    "RECORDNO",
    "DDSJOB",
    "OBJECT",
    "JOBTYPE",
    "SUBSCRIPTIONKEY",
    "QUEUETIME",
    "STARTTIME",
    "ENDTIME",
    "RECORDSCREATED",
    "RECORDSUPDATED",
    "RECORDSDELETED",
    "STATUS",
    "ERROR",
    "FILELIST",
    "DDSHISTORYKEY",
)
JOB_TYPES = ("all", "change")
FILE_FORMATS = ("unix", "windows", "mac")
MAX_SPLIT_SIZE = 100_000  # Sage's PHP SDK refuses more
QUEUED, PROCESSING, COMPLETED, FAILED = "Queued", "Processing", "Completed", "Failed"
_STATUSES = (QUEUED, PROCESSING, COMPLETED, FAILED)


@dataclass(frozen=True)
class GetDdsObjects(Function):
    """The objects DDS can export, standard and custom (:func:`parse_dds_objects`)."""

    name: ClassVar[str] = "getDdsObjects"

    def to_xml(self) -> etree._Element:
        return element(self.name)


@dataclass(frozen=True)
class FileConfiguration:
    """How the job's CSV files are written; what is left ``None`` is the target's or
    Intacct's default."""

    delimiter: str | None = None
    enclosure: str | None = None
    include_headers: bool | None = None
    file_format: str | None = None  # line ends: unix, windows or mac
    split_size: int | None = None  # records a file at most
    compress: bool | None = None

    def __post_init__(self) -> None:
        for what, text in (("delimiter", self.delimiter), ("enclosure", self.enclosure)):
            if text is not None:
                non_empty_text(text, f"fileConfiguration {what}")
        for what, flag in (("includeHeaders", self.include_headers), ("compress", self.compress)):
            if flag is not None:
                boolean(flag, f"fileConfiguration {what}")
        if self.file_format is not None and self.file_format not in FILE_FORMATS:
            raise RequestBuildError(
                "fileConfiguration fileFormat", f"{self.file_format!r} is not one of {FILE_FORMATS}"
            )
        if self.split_size is not None:
            int_in_range(self.split_size, "fileConfiguration splitSize", 1, MAX_SPLIT_SIZE)

    def to_xml(self, parent: etree._Element) -> etree._Element:
        return leaves(
            sub(parent, "fileConfiguration"),
            delimiter=self.delimiter,
            enclosure=self.enclosure,
            includeHeaders=_flag(self.include_headers),
            fileFormat=self.file_format,
            splitSize=self.split_size,
            compress=_flag(self.compress),
        )


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


@dataclass(frozen=True)
class RunDdsJob(Function):
    """Queue an export of ``object`` to the cloud storage target ``cloud_delivery`` (its
    name in the company): ``job_type`` ``all`` records or ``change`` (those changed since
    the object's last job, or since ``timestamp``). It starts a job, so it is sent as a
    write (a retried send cannot queue it twice)."""

    name: ClassVar[str] = "runDdsJob"
    writes: ClassVar[bool] = True
    object: str
    cloud_delivery: str
    job_type: str = "all"
    timestamp: datetime | None = None
    file_configuration: FileConfiguration | None = None

    def __post_init__(self) -> None:
        object_name(self.object)
        non_empty_text(self.cloud_delivery, "cloudDelivery")
        if self.job_type not in JOB_TYPES:
            raise RequestBuildError("jobType", f"{self.job_type!r} is not one of {JOB_TYPES}")
        if self.timestamp is not None and not isinstance(self.timestamp, datetime):
            raise RequestBuildError("timeStamp", "must be a datetime")
        if self.file_configuration is not None and not isinstance(
            self.file_configuration, FileConfiguration
        ):
            raise RequestBuildError("fileConfiguration", "must be a FileConfiguration")

    def to_xml(self) -> etree._Element:
        el = leaves(
            element(self.name),
            object=self.object,
            cloudDelivery=self.cloud_delivery,
            jobType=self.job_type,
            # as Sage's SDKs write it (2002-09-24T06:00:00); an aware time keeps its offset
            timeStamp=self.timestamp.isoformat(timespec="seconds") if self.timestamp else None,
        )
        if self.file_configuration is not None:
            self.file_configuration.to_xml(el)
        return el


def read_dds_job(recordno: int | str) -> Read:
    """``read`` of one DDSJOB by the RECORDNO ``runDdsJob`` answered, every field."""
    return Read(DDSJOB, [recordno])


def query_dds_jobs(
    filter: Filter | None = None,
    orderby: Sequence[Order] = (),
    pagesize: int | None = None,
    offset: int | None = None,
) -> Query:
    """``query`` of DDSJOB records, every field (``query`` needs them named)."""
    return Query(
        DDSJOB, DDSJOB_FIELDS, filter=filter, orderby=orderby, pagesize=pagesize, offset=offset
    )


@dataclass(frozen=True, slots=True)
class DdsJob:
    """A DDSJOB record, typed. Times are the gateway's wall-clock times as sent (no zone);
    ``None`` where the record leaves them empty (a job not started or not ended)."""

    recordno: int
    ddsjob: str
    object: str
    job_type: str
    status: str
    queue_time: datetime | None
    start_time: datetime | None
    end_time: datetime | None
    records_created: int
    records_updated: int
    records_deleted: int
    error: str
    files: tuple[str, ...]
    subscription_key: str = ""
    dds_history_key: str = ""

    @property
    def done(self) -> bool:
        """Whether the job has ended (completed or failed): polling can stop."""
        return self.status in (COMPLETED, FAILED)

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED

    @property
    def failed(self) -> bool:
        return self.status == FAILED


def parse_dds_job(record: Mapping[str, str]) -> DdsJob:
    """A ``ddsjob`` record (``runDdsJob``'s answer, or a DDSJOB read) as a :class:`DdsJob`.

    Raises :class:`~intacct.errors.ResponseFormatError` for a record without RECORDNO,
    with a count or time that is no number or time, or a STATUS no page or toolkit
    names (a client polling it could otherwise wait forever)."""
    status = _text(record, "STATUS")
    if status not in _STATUSES:
        raise _bad(record, f"STATUS {status!r} is not one of {_STATUSES}")
    files = _text(record, "FILELIST")
    return DdsJob(
        recordno=_number(record, "RECORDNO", required=True),
        ddsjob=_text(record, "DDSJOB"),
        object=_text(record, "OBJECT"),
        job_type=_text(record, "JOBTYPE"),
        status=status,
        queue_time=_time(record, "QUEUETIME"),
        start_time=_time(record, "STARTTIME"),
        end_time=_time(record, "ENDTIME"),
        records_created=_number(record, "RECORDSCREATED"),
        records_updated=_number(record, "RECORDSUPDATED"),
        records_deleted=_number(record, "RECORDSDELETED"),
        error=_text(record, "ERROR"),
        files=tuple(name.strip() for name in files.split(",") if name.strip()),
        subscription_key=_text(record, "SUBSCRIPTIONKEY"),
        dds_history_key=_text(record, "DDSHISTORYKEY"),
    )


def _text(record: Mapping[str, str], name: str) -> str:
    return (record.get(name) or "").strip()


def _number(record: Mapping[str, str], name: str, *, required: bool = False) -> int:
    text = _text(record, name)
    if not text and not required:
        return 0
    if not text.isdecimal() or not text.isascii():
        raise _bad(record, f"{name} {text!r} is not a whole number")
    return int(text)


def _time(record: Mapping[str, str], name: str) -> datetime | None:
    text = _text(record, name)
    try:
        return decode_datetime(text)
    except ValueError:
        raise _bad(record, f"{name} {text!r} is not a time (MM/DD/YYYY HH:MM:SS)") from None


def _bad(record: Mapping[str, str], why: str) -> ResponseFormatError:
    return ResponseFormatError(f"a DDSJOB record {why}", excerpt=excerpt(repr(dict(record))))


def parse_dds_objects(records: Sequence[Record]) -> tuple[str, ...]:
    """The object names of a ``getDdsObjects`` result's records (``result.records``).

    Raises :class:`~intacct.errors.ResponseFormatError` when the answer holds no
    ``DdsObjects`` list (an answer of another shape would otherwise read as no object)."""
    for record in records:
        if record.tag != "DdsObjects":
            continue
        names = [name for box in record.nested("Objects") for name in box.getlist("Object")]
        return tuple(name.strip() for name in names if name.strip())
    raise ResponseFormatError("a getDdsObjects answer holds no <DdsObjects> list")
