"""The Data Delivery Service's builders and the typed reading of its answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intacct.errors import RequestBuildError, ResponseFormatError
from intacct.protocol import dds
from intacct.protocol.response import parse_response
from intacct.protocol.xml import canonicalize, serialize

from .test_values import wall


def _xml(function: dds.GetDdsObjects | dds.RunDdsJob) -> str:
    return canonicalize(serialize(function.to_xml(), declaration=False))


def test_get_dds_objects_is_an_empty_element() -> None:
    assert _xml(dds.GetDdsObjects()) == "<getDdsObjects></getDdsObjects>"


def test_run_dds_job_as_the_running_a_job_page_writes_it() -> None:
    job = dds.RunDdsJob("VENDOR", "AWS-S3-DDS", "all")
    assert job.writes  # it starts a job: a retried send must not queue it twice
    assert _xml(job) == canonicalize(
        "<runDdsJob><object>VENDOR</object><cloudDelivery>AWS-S3-DDS</cloudDelivery>"
        "<jobType>all</jobType></runDdsJob>"
    )


def test_run_dds_job_with_everything_as_sages_sdks_write_it() -> None:
    config = dds.FileConfiguration(
        delimiter=",",
        enclosure='"',
        include_headers=True,
        file_format="unix",
        split_size=10_000,
        compress=False,
    )
    job = dds.RunDdsJob("GLACCOUNT", "My <Cloud> & Bucket", "change", wall(2002, 9, 24, 6), config)
    assert _xml(job) == canonicalize(
        "<runDdsJob><object>GLACCOUNT</object>"
        "<cloudDelivery>My &lt;Cloud&gt; &amp; Bucket</cloudDelivery>"
        "<jobType>change</jobType><timeStamp>2002-09-24T06:00:00</timeStamp>"
        '<fileConfiguration><delimiter>,</delimiter><enclosure>"</enclosure>'
        "<includeHeaders>true</includeHeaders><fileFormat>unix</fileFormat>"
        "<splitSize>10000</splitSize><compress>false</compress></fileConfiguration>"
        "</runDdsJob>"
    )
    aware = dds.RunDdsJob("VENDOR", "T", "change", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert "<timeStamp>2026-01-02T03:04:05+00:00</timeStamp>" in _xml(aware)


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: dds.RunDdsJob("VENDOR", "T", "full"), "jobType"),
        (lambda: dds.RunDdsJob("VEN DOR", "T"), "object"),
        (lambda: dds.RunDdsJob("VENDOR", ""), "cloudDelivery"),
        (lambda: dds.RunDdsJob("VENDOR", "T\x00"), "cloudDelivery"),
        (lambda: dds.FileConfiguration(split_size=0), "splitSize"),
        (lambda: dds.FileConfiguration(split_size=100_001), "splitSize"),
        (lambda: dds.FileConfiguration(file_format="dos"), "fileFormat"),
        (lambda: dds.FileConfiguration(compress="yes"), "compress"),  # type: ignore[arg-type]
    ],
)
def test_bad_parameters_are_refused_naming_them(make: object, named: str) -> None:
    with pytest.raises(RequestBuildError, match=named):
        make()  # type: ignore[operator]


def test_reading_jobs_asks_for_every_field() -> None:
    read = canonicalize(serialize(dds.read_dds_job(12).to_xml(), declaration=False))
    assert "<object>DDSJOB</object><keys>12</keys><fields>*</fields>" in read
    query = dds.query_dds_jobs(pagesize=5)
    assert query.object == "DDSJOB" and tuple(query.select) == dds.DDSJOB_FIELDS


_QUEUED = b"""<?xml version="1.0" encoding="UTF-8"?>
<response><control><status>success</status></control><operation>
<authentication><status>success</status></authentication>
<result><status>success</status><function>runDdsJob</function><controlid>c</controlid>
<data><ddsjob>
  <DDSJOB>VENDOR;all;2017-10-04T18:47:55+00:00</DDSJOB><OBJECT>VENDOR</OBJECT>
  <JOBTYPE>all</JOBTYPE><SUBSCRIPTIONKEY></SUBSCRIPTIONKEY>
  <QUEUETIME>10/04/2017 18:47:55</QUEUETIME><STARTTIME></STARTTIME><ENDTIME></ENDTIME>
  <RECORDSCREATED>0</RECORDSCREATED><RECORDSUPDATED>0</RECORDSUPDATED>
  <RECORDSDELETED>0</RECORDSDELETED><STATUS>Queued</STATUS><ERROR></ERROR>
  <FILELIST></FILELIST><DDSHISTORYKEY>11</DDSHISTORYKEY><RECORDNO>12</RECORDNO>
</ddsjob></data></result></operation></response>"""


def test_the_pages_queued_answer_reads_as_a_typed_job() -> None:
    (record,) = parse_response(_QUEUED).results[0].records
    job = dds.parse_dds_job(record)
    assert job == dds.DdsJob(
        recordno=12,
        ddsjob="VENDOR;all;2017-10-04T18:47:55+00:00",
        object="VENDOR",
        job_type="all",
        status="Queued",
        queue_time=wall(2017, 10, 4, 18, 47, 55),
        start_time=None,
        end_time=None,
        records_created=0,
        records_updated=0,
        records_deleted=0,
        error="",
        files=(),
        subscription_key="",
        dds_history_key="11",
    )
    assert not job.done and not job.failed


def test_a_completed_job_lists_its_files() -> None:
    body = (
        _QUEUED.replace(b"Queued", b"Completed")
        .replace(b"<FILELIST></FILELIST>", b"<FILELIST>DEMO/V.1.csv, DEMO/V.2.csv</FILELIST>")
        .replace(b"<ENDTIME></ENDTIME>", b"<ENDTIME>10/04/2017 18:50:01</ENDTIME>")
    )
    job = dds.parse_dds_job(parse_response(body).results[0].records[0])
    assert job.completed and job.done
    assert job.files == ("DEMO/V.1.csv", "DEMO/V.2.csv")
    assert job.end_time == wall(2017, 10, 4, 18, 50, 1)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<STATUS>Queued</STATUS>", b"<STATUS>Running</STATUS>"),
        (b"<RECORDNO>12</RECORDNO>", b"<RECORDNO></RECORDNO>"),
        (b"<RECORDSCREATED>0</", b"<RECORDSCREATED>many</"),
        (b"<QUEUETIME>10/04/2017 18:47:55</", b"<QUEUETIME>yesterday</"),
    ],
)
def test_a_record_it_cannot_trust_is_refused(old: bytes, new: bytes) -> None:
    record = parse_response(_QUEUED.replace(old, new)).results[0].records[0]
    with pytest.raises(ResponseFormatError, match="DDSJOB record"):
        dds.parse_dds_job(record)


def test_get_dds_objects_answer() -> None:
    body = (
        b"<response><control><status>success</status></control><operation>"
        b"<authentication><status>success</status></authentication><result>"
        b"<status>success</status><function>getDdsObjects</function><controlid>c</controlid>"
        b"<data><DdsObjects><Objects><Object>VENDOR</Object><Object>GLENTRY</Object>"
        b"</Objects></DdsObjects></data></result></operation></response>"
    )
    records = parse_response(body).results[0].records
    assert dds.parse_dds_objects(records) == ("VENDOR", "GLENTRY")
    one = body.replace(b"<Object>GLENTRY</Object>", b"")
    assert dds.parse_dds_objects(parse_response(one).results[0].records) == ("VENDOR",)
    with pytest.raises(ResponseFormatError, match="DdsObjects"):
        dds.parse_dds_objects([])
