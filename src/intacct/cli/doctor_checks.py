"""The checks behind ``intacct doctor``, in the order Intacct's setup goes.

One sign-in (``getAPISession``) at the top level answers the first five questions at once;
which of them failed is read from the error the client raises (``intacct.errors`` class,
level and errorno: the gateway's texts are in ``intacct.emulator.errors``), and the checks
before it passed, except where the answer cannot tell: Intacct says "Sign-in information
is incorrect" alike for a company id it does not know and for a wrong user id or
password, so after it the company's subscription and the Sender ID's authorization are
``unknown``, not ok. The entity gets a sign-in of its own, so that a wrong Location ID is not
taken for a wrong password; each object a one-record ``readByQuery``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from intacct.cli.connection import html_answer
from intacct.client import IntacctClient
from intacct.client.transport import InFlight
from intacct.config import DEFAULT_API_URL
from intacct.errors import (
    AuthenticationError,
    GatewayError,
    IntacctError,
    NotFoundError,
    PermissionDeniedError,
    ResponseFormatError,
    SenderError,
    TransportError,
    ValidationError,
)
from intacct.logging import counted
from intacct.protocol import functions as fn
from intacct.protocol.wallclock import daylight_saving_zones

__all__ = ["DEFAULT_OBJECTS", "Check", "run_checks"]

#: the objects behind hotglue's unified tables (accounts, classes, bank accounts,
#: vendors, projects, departments, locations)
DEFAULT_OBJECTS = (
    "GLACCOUNT",
    "CLASS",
    "CHECKINGACCOUNT",
    "VENDOR",
    "PROJECT",
    "DEPARTMENT",
    "LOCATION",
)
OK, FAIL, SKIPPED, NOTE, UNKNOWN = "ok", "FAIL", "skipped", "note", "unknown"
#: sign-in steps, in the order the gateway checks them
GATEWAY, SENDER, COMPANY, AUTHORIZED, USER = range(5)
TIME_ZONE = "time zone of the Web Services user"
#: the company's setup flags (PL04000055: a demo company past its end)
EXPIRED = "PL04000055"


@dataclass(frozen=True)
class Check:
    name: str
    #: ok | FAIL | skipped | note (not a failure: something to consider) | unknown (the
    #: gateway's answer cannot tell)
    verdict: str
    detail: str


def run_checks(
    config: Mapping[str, Any], objects: Sequence[str], *, in_flight: InFlight | None = None
) -> Iterator[Check]:
    """Every check's verdict, as it is made (a slow gateway shows progress);
    ``in_flight`` tracks the requests being waited for."""
    # one attempt each: a doctor reports what happens, it does not wait out backoffs
    # an OAuth app signs in through the REST API's session bridge (intacct doctor runs
    # doctor_rest.oauth_checks for it, which tell its own steps apart)
    auth_type = "oauth" if config.get("auth_type") == "oauth" else "session"
    config = {**config, "max_retries": 0, "auth_type": auth_type}
    entity = str(config.get("entity_id") or "")
    names = _sign_in_names(config)
    failed = yield from _sign_in({**config, "entity_id": ""}, names, in_flight)
    if failed:
        yield Check(_entity_name(entity), SKIPPED, "needs a signed-in user")
        yield Check(TIME_ZONE, SKIPPED, "needs a signed-in user")
        for name in objects:
            yield Check(f"read access to {name}", SKIPPED, "needs a signed-in user")
        return
    with IntacctClient.from_mapping(config, in_flight=in_flight) as client:
        if entity:
            check = _entity(client, entity, config)
        else:
            check = Check(_entity_name(entity), SKIPPED, "no entity_id: the top level is read")
        yield check
        if check.verdict == FAIL:  # the steps below sign in to it: one failure, not three
            yield Check(TIME_ZONE, SKIPPED, f"needs entity {entity}")
            for name in objects:
                yield Check(f"read access to {name}", SKIPPED, f"needs entity {entity}")
            return
        yield _time_zone(client)
        for name in objects:
            yield _read_access(client, name, config)


def _sign_in_names(config: Mapping[str, Any]) -> list[str]:
    sender, company = config.get("sender_id"), config.get("company_id")
    return [
        f"gateway reachable ({config.get('api_url') or 'https://api.intacct.com'})",
        f"sender credentials (Sender ID {sender})",
        f"company {company} subscribed to Web Services",
        f"Sender ID {sender} authorized for company {company}",
        f"user login ({config.get('user_id')} at company {company})",
    ]


def _sign_in(
    config: Mapping[str, Any], names: list[str], in_flight: InFlight | None
) -> Generator[Check, None, bool]:
    """The five sign-in checks; returns whether one failed (``yield from`` value)."""
    try:
        with IntacctClient.from_mapping(config, in_flight=in_flight) as client:
            client.sign_in()
    except IntacctError as exc:
        step, detail = _classify_sign_in(exc, config)
        untold = {
            COMPANY: _NOT_TOLD.format(company=config.get("company_id")),
            AUTHORIZED: "not known, as above",
        }
        yield from _step_verdicts(names, step, detail, untold if step == USER else {})
        return True
    for index, name in enumerate(names):
        yield Check(name, OK, "signed in" if index == USER else "")
    return False


def _step_verdicts(
    names: Sequence[str], step: int, detail: str, untold: Mapping[int, str]
) -> Iterator[Check]:
    """Each step's verdict when step number ``step`` failed (``detail``): the steps before
    it ok, those after it skipped; ``untold``: the steps the failure leaves unknown (their
    index, and why)."""
    for index, name in enumerate(names):
        if index in untold:
            yield Check(name, UNKNOWN, untold[index])
        elif index < step:
            yield Check(name, OK, "")
        elif index == step:
            yield Check(name, FAIL, detail)
        else:
            yield Check(name, SKIPPED, "needs the step above")


#: why a sign-in refused at the user step leaves the company's steps unknown
_NOT_TOLD = (
    "not known: Intacct answers a company id it does not know ({company!r} given) as it "
    "answers a wrong user id or password, so this step and the next could not be checked"
)


def _classify_sign_in(exc: IntacctError, config: Mapping[str, Any]) -> tuple[int, str]:
    sender, company = config.get("sender_id"), config.get("company_id")
    said = _said(exc)
    if isinstance(exc, ResponseFormatError) and exc.html_title is not None:
        return GATEWAY, f"{said}. Fix: api_url must be Intacct's gateway, {DEFAULT_API_URL}"
    if isinstance(exc, TransportError):
        return GATEWAY, (
            f"{said}. Fix: check api_url (Intacct's gateway is "
            "https://api.intacct.com/ia/xml/xmlgw.phtml), the network and any proxy"
        )
    if not isinstance(exc, GatewayError):
        return GATEWAY, said
    if isinstance(exc, SenderError) and exc.level == "control":
        return SENDER, (
            f"{said}. Fix: sender_id and sender_password are the Web Services developer "
            "credentials Sage issued with your Sender ID (not a user's login)"
        )
    if exc.errorno == EXPIRED:
        return COMPANY, f"{said}. Fix: the company has expired; use a current company"
    if isinstance(exc, PermissionDeniedError) and exc.level == "control":
        return COMPANY, (
            f"{said}. Fix: subscribe the company to Web Services under "
            "Company > Admin > Subscriptions: Web Services"
        )
    if isinstance(exc, SenderError):
        return AUTHORIZED, (
            f"{said}. Fix: Company > Setup > Company > Security > "
            f"Web Services authorizations: add sender {sender}"
        )
    if isinstance(exc, AuthenticationError):
        return USER, (
            f"{said}. Fix: company_id as shown in Company > Setup > Company information "
            f"({company!r} given); user_id and user_password of a user whose type is "
            "'Web Services user' (Company > Admin > Users), with Web Services access"
        )
    return GATEWAY, f"the gateway answered with an error: {said}"


def _entity_name(entity: str) -> str:
    return f"entity {entity} (Location ID)" if entity else "entity"


def _entity(client: IntacctClient, entity: str, config: Mapping[str, Any]) -> Check:
    try:
        client.sign_in()
    except IntacctError as exc:
        return Check(
            _entity_name(entity),
            FAIL,
            f"{_said(exc)}. Fix: entity_id is the Location ID of an entity of company "
            f"{config.get('company_id')} (Company > Setup > Entities); the user needs "
            "access to it (Company > Admin > Users > the user's entity restrictions)",
        )
    return Check(_entity_name(entity), OK, "signed in to the entity")


def _time_zone(client: IntacctClient) -> Check:
    """The user's time zone: ``timezone``, when given, must have the offset Intacct
    reports now; without it, a ``gmtoffset`` that zones with daylight saving time share
    is worth a note (timestamps decode an hour off in the other season; bookmarks are
    safe either way)."""
    try:
        formatting = client.user_formatting()
    except IntacctError as exc:
        return Check(TIME_ZONE, FAIL, f"readUserFormatting: {_said(exc)}")
    offset = formatting.gmtoffset or timedelta(0)
    said, now, zone = _offset(offset), datetime.now(UTC), formatting.named_zone
    if zone is not None:
        here = now.astimezone(zone).utcoffset() or timedelta(0)
        if here != offset:
            return Check(
                TIME_ZONE,
                FAIL,
                f"timezone {zone.key} is at {_offset(here)} now, but Intacct reports the "
                f"Web Services user's offset as {said}. Fix: set timezone to the time zone "
                "of that user's preferences in Intacct",
            )
        return Check(TIME_ZONE, OK, f"{zone.key}, at {said} now as Intacct reports")
    shifting = daylight_saving_zones(offset, now)
    if not shifting:
        return Check(TIME_ZONE, OK, f"gmtoffset {said}; no zone at it changes for DST")
    return Check(
        TIME_ZONE,
        NOTE,
        f"gmtoffset {said} is the offset now; zones at it with daylight saving time "
        f"include {', '.join(shifting[:3])}. If the user's zone is one, set timezone "
        f"(e.g. {shifting[0]}) so timestamps decode right all year; incremental reads "
        "lose nothing either way",
    )


def _offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _read_access(client: IntacctClient, name: str, config: Mapping[str, Any]) -> Check:
    check = f"read access to {name}"
    try:
        result = client.call(fn.ReadByQuery(name, pagesize=1))
    except PermissionDeniedError as exc:
        return Check(
            check,
            FAIL,
            f"{_said(exc)}. Fix: Company > Roles: give the role of user "
            f"{config.get('user_id')} Read/List permission in the application of {name} "
            "(or the user's own permissions under Company > Admin > Users); the "
            "application must be subscribed (Company > Admin > Subscriptions)",
        )
    except (ValidationError, NotFoundError) as exc:
        return Check(
            check,
            FAIL,
            f"{_said(exc)}. Fix: check the object name (intacct objects lists the "
            "company's) and that its application is subscribed (Company > Admin > "
            "Subscriptions)",
        )
    except IntacctError as exc:
        return Check(check, FAIL, _said(exc))
    total = result.data.totalcount if result.data is not None else None
    return Check(check, OK, counted(total, "record") if total is not None else "readable")


def _said(exc: IntacctError) -> str:
    """What Intacct (or the network) said: the first error's number and text."""
    said = str(exc.errors[0]) if isinstance(exc, GatewayError) and exc.errors else ""
    return (said or html_answer(exc) or str(exc)).rstrip(". ")
