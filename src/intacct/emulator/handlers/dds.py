"""The Data Delivery Service's functions: ``getDdsObjects``, ``runDdsJob``, and the reads
of DDSJOB (``read``, ``readByQuery``, ``query``, ``lookup``: the generic handlers, once
the company's jobs have moved on to the emulator's now, :mod:`intacct.emulator.dds.jobs`).

Refusals, in the free-text errorno style the gateway uses for a missing subscription
("XML Gateway not subscribed") [U: Intacct's DDS errors are not published]: a company
without the DDS subscription gets ``DDS not subscribed`` from each of them; an object
DDS does not export, a job type or file configuration it does not know, a bad
``timeStamp``: XL03000003, as other bad parameters.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from intacct.emulator.dds.files import FileSettings
from intacct.emulator.dds.jobs import JobRequest, advance, queue
from intacct.emulator.dds.objects import DDSJOB, STANDARD_OBJECTS
from intacct.emulator.dispatch import Ctx, Handler, Outcome
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.handlers import meta, read
from intacct.emulator.handlers.common import bad_parameter, object_def, record_element, text_param
from intacct.emulator.values import wall_clock

__all__ = ["HANDLERS", "dds_objects"]

_FILE_FORMATS = ("unix", "windows", "mac")
_MAX_SPLIT = 100_000


def _subscribed(ctx: Ctx) -> None:
    if not ctx.store.dds.settings.subscribed(ctx.company.id):
        raise FunctionError(
            ErrorLine(
                "DDS not subscribed",
                "",
                "This company is not subscribed to the Data Delivery Service.",
                "Subscribe to Data Delivery Service under Company > Admin > Subscriptions.",
            )
        )


def dds_objects(ctx: Ctx) -> list[str]:
    """The objects DDS exports for this company: the standard ones of Sage's list the
    emulator has, and the custom objects (:mod:`intacct.emulator.dds.objects`)."""
    catalog = ctx.store.catalog
    return sorted(
        obj.name
        for obj in catalog.values()
        if obj.name in STANDARD_OBJECTS or obj.user_defined_dimension
    )


def get_dds_objects(ctx: Ctx) -> Outcome:
    """``<data><DdsObjects><Objects><Object>NAME</Object>…`` (the shape Intacct's own
    toolkit reads [U])."""
    _subscribed(ctx)
    data = etree.Element("data")
    box = etree.SubElement(etree.SubElement(data, "DdsObjects"), "Objects")
    for name in dds_objects(ctx):
        etree.SubElement(box, "Object").text = name
    return Outcome(data=data)


def run_dds_job(ctx: Ctx) -> Outcome:
    """Queue a job; answer its ``ddsjob`` record, STATUS Queued."""
    _subscribed(ctx)
    name = text_param(ctx, "object", required=True)
    obj = object_def(ctx, name)
    if obj.name not in dds_objects(ctx):
        raise bad_parameter("runDdsJob", f"The object {obj.name} is not available for DDS jobs.")
    target = text_param(ctx, "cloudDelivery", required=True)
    if not target:
        raise bad_parameter("runDdsJob", "Element 'cloudDelivery' must name a cloud storage.")
    job_type = text_param(ctx, "jobType", required=True)
    if job_type not in ("all", "change"):
        raise bad_parameter("runDdsJob", f"jobType must be all or change, not '{job_type}'.")
    request = JobRequest(obj.name, target, job_type, _since(ctx), _file_settings(ctx))
    row = queue(ctx.store, ctx.scope, request)
    record = record_element("ddsjob", DDSJOB, row, DDSJOB.field_names, ctx.company.date_format)
    data = etree.Element("data", listtype="ddsjob", count="1")
    data.append(record)
    return Outcome(data=data)


def _since(ctx: Ctx) -> str | None:
    """``timeStamp`` as stored time (the company's wall clock); [U] without an offset it
    is UTC."""
    text = text_param(ctx, "timeStamp")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_parameter("runDdsJob", f"timeStamp '{text}' is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return wall_clock(ctx.company.timezone, moment).strftime("%Y-%m-%d %H:%M:%S")


def _file_settings(ctx: Ctx) -> FileSettings | None:
    """``fileConfiguration``; None when absent or empty (the defaults)."""
    box = ctx.fn.body.find("fileConfiguration")
    if box is None or not len(box):
        return None
    given = {str(child.tag): child.text or "" for child in box if isinstance(child.tag, str)}
    unknown = sorted(set(given) - {"delimiter", "enclosure", "includeHeaders", "fileFormat",
                                   "splitSize", "compress"})  # fmt: skip
    if unknown:
        raise bad_parameter("runDdsJob", f"Element '{unknown[0]}' is not expected.")
    split = ctx.store.dds.settings.pace()[2]
    if "splitSize" in given:
        text = given["splitSize"].strip()
        if not text.isdecimal() or not 1 <= int(text) <= _MAX_SPLIT:
            raise bad_parameter("runDdsJob", f"splitSize must be from 1 to {_MAX_SPLIT}.")
        split = int(text)
    file_format = given.get("fileFormat", "unix").strip() or "unix"
    if file_format not in _FILE_FORMATS:
        raise bad_parameter("runDdsJob", "fileFormat must be unix, windows or mac.")
    return FileSettings(
        delimiter=_character(given, "delimiter", ","),
        enclosure=_character(given, "enclosure", '"'),
        include_headers=_flag(given, "includeHeaders", True),
        file_format=file_format,
        split_size=split,
        compress=_flag(given, "compress", False),
    )


def _character(given: dict[str, str], tag: str, default: str) -> str:
    """[U] one character: the emulator writes no longer delimiter or enclosure."""
    text = given.get(tag, default) or default
    if len(text) != 1 or text in "\r\n":
        raise bad_parameter("runDdsJob", f"{tag} must be one character.")
    return text


def _flag(given: dict[str, str], tag: str, default: bool) -> bool:
    text = given.get(tag, "").strip().lower()
    if text == "":
        return default
    if text not in ("true", "false"):
        raise bad_parameter("runDdsJob", f"{tag} must be true or false.")
    return text == "true"


def _on_jobs(handler: Handler) -> Handler:
    """``handler`` as it is, but for DDSJOB: refused without the subscription, and the
    company's jobs moved on before it reads them."""

    def serve(ctx: Ctx) -> Outcome:
        if text_param(ctx, "object").upper() == DDSJOB.name:
            _subscribed(ctx)
            advance(ctx.store, ctx.company.id)
        return handler(ctx)

    return serve


HANDLERS: dict[str, Handler] = {
    "getDdsObjects": get_dds_objects,
    "runDdsJob": run_dds_job,
    "read": _on_jobs(read.read),
    "readByQuery": _on_jobs(read.read_by_query),
    "query": _on_jobs(read.query),
    "lookup": _on_jobs(meta.lookup),
}
