"""Who sees what through REST: the same scope an XML session of the token's user and
entity gets (``store.Scope``: an entity sees its own records and the shared ones, the top
level the shared ones and, with ``includePrivate``, every entity's), the same module
permissions (a role denied a module is denied its objects: 403), the company's time."""

from __future__ import annotations

from datetime import date

from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.service import Outcome, refused
from intacct.emulator.store import Scope, Store
from intacct.emulator.values import wall_clock
from intacct.protocol.rest_catalog import RestObject

__all__ = ["denied", "scope_for", "today_of", "zone_of"]


def scope_for(
    store: Store, caller: Caller, *, showprivate: bool = False, replica: bool = False
) -> Scope:
    """``replica``: a query, which reads the company's replica as XML queries do (it may
    lag behind writes: ``/_emulator/lag``)."""
    user = store.user(caller.company, caller.userid)
    assert user is not None  # authenticate checked it
    return Scope(caller.company, caller.entity, user, showprivate, replica=replica)


def denied(
    store: Store, caller: Caller, obj: RestObject, operation: str = "read"
) -> Outcome | None:
    """403 when the caller's role has no permission on the object's module. [U] the
    message names the permission the catalog lists (the portal's object pages)."""
    user = store.user(caller.company, caller.userid)
    xml_name = obj.module_object
    xml = store.catalog.get_object(xml_name) if xml_name else None
    if user is None or xml is None or xml.module not in user.denied_modules:
        return None
    permission = obj.permissions.get(operation, obj.permissions.get("read", ""))
    return refused(
        403,
        "forbidden",
        f"You do not have the permission '{permission}' that {obj.path} needs.",
    )


def zone_of(store: Store, company_id: str) -> str:
    company = store.company(company_id)
    return company.timezone if company else "UTC"


def today_of(store: Store, company_id: str) -> date:
    """Today where the company is (date macros count from it)."""
    return wall_clock(zone_of(store, company_id), store.clock.now()).date()
