"""getAPISession: a session bound to company, user, entity and this endpoint."""

from __future__ import annotations

from lxml import etree

from intacct.emulator import errors
from intacct.emulator.dispatch import Ctx, Handler, Outcome
from intacct.emulator.errors import ErrorLine

__all__ = ["HANDLERS"]


def get_api_session(ctx: Ctx) -> Outcome:
    wanted = ctx.fn.body.find("locationid")
    locationid = ctx.scope.entity if wanted is None else (wanted.text or "").strip()
    if locationid and ctx.store.entity_name(ctx.company.id, locationid) is None:
        raise errors.FunctionError(
            ErrorLine(
                "XL03000006",
                "",
                f"Invalid location/entity '{locationid}'",  # [U] wording
                "Check the Location ID of the entity.",
            )
        )
    session = ctx.store.open_session(ctx.company, ctx.scope.user.userid, locationid)
    data = etree.Element("data")
    api = etree.SubElement(data, "api")
    etree.SubElement(api, "sessionid").text = session.sessionid
    etree.SubElement(api, "endpoint").text = ctx.endpoint
    etree.SubElement(api, "locationid").text = locationid
    return Outcome(data=data)


HANDLERS: dict[str, Handler] = {"getAPISession": get_api_session}
