"""Two services real REST clients call besides the objects (fylein's
``sageintacctrestsdk`` 1.9.0 calls both: ``apis/sessions.py``, ``apis/dimensions.py``):

* ``GET /services/core/session/id`` (portal: core OpenAPI ``get-core-session-id``,
  schema ``core-session-id-response``: ``sessionId`` and ``expiresIn`` in seconds, the
  portal's sample 21600): an XML API session for the token's company, user and entity.
  It works at the gateway like one from getAPISession, with the app's sender; it lasts
  the company's session timeout, as getAPISession's does. [U] No ``endpoint``: the
  schema has none (the XML gateway's URL is the client's own).
* ``GET /services/company-config/dimensions/list`` (portal: company-config OpenAPI
  "List dimensions": "all standard and user-defined dimensions in a company", each
  ``dimensionName`` (upper case), ``dimensionLabel``, ``termName``,
  ``isUserDefinedDimension``, ``isEnabledInGL``, ``dimensionEndpoint``): the same
  dimensions as the XML gateway's getDimensions (the catalog's ``dimension`` objects).

Both are free, as getAPISession and getDimensions are (``protocol/billing.py``: they
read no records [U]), and go through :func:`.service.serve` like every data route (the
company's slot, faults as ``rest:core.session.id`` and
``rest:company-config.dimensions.list``)."""

from __future__ import annotations

from typing import Any

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.rest.answers import ia_list, ia_result
from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.served import custom_object_path
from intacct.emulator.rest.service import Outcome
from intacct.emulator.store import Store
from intacct.protocol.rest_catalog import rest_catalog

__all__ = ["dimensions_list", "session_id"]

#: Where the portal's "List dimensions" sample puts the standard dimensions the REST
#: catalog does not hold yet (the catalog's own path wins where it has the object).
_PORTAL_ENDPOINTS = {
    "EMPLOYEE": "company-config/employee",
    "ITEM": "inventory-control/item",
}


def session_id(store: Store, caller: Caller) -> Outcome:
    company = store.company(caller.company)
    assert company is not None  # the bearer check found it
    session = store.open_session(company, caller.userid, caller.entity)
    expires_in = company.session_minutes * 60
    return Outcome(ia_result({"sessionId": session.sessionid, "expiresIn": expires_in}))


def dimensions_list(store: Store, caller: Caller) -> Outcome:
    listed = [_dimension(obj) for obj in store.catalog.values() if obj.dimension]
    return Outcome(ia_list(listed))


def _dimension(obj: ObjectDef) -> dict[str, Any]:
    return {
        "dimensionName": obj.name,
        "dimensionLabel": obj.label,
        "termName": obj.label,  # [U] the emulator renames no terms (Company > Terminology)
        "isUserDefinedDimension": obj.user_defined_dimension,
        "isEnabledInGL": True,  # [U] as getDimensions' enabledInGL
        "dimensionEndpoint": f"/objects/{_path(obj)}",
    }


def _path(obj: ObjectDef) -> str:
    """A UDD's REST object is its custom object (:func:`.served.custom_object_path`); a
    standard dimension's is the REST catalog's object holding its records."""
    if obj.user_defined_dimension:
        return custom_object_path(obj)
    held = rest_catalog().holding(obj.name)
    return held.path if held is not None else _PORTAL_ENDPOINTS[obj.name]
