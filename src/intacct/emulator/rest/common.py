"""What the REST endpoints share: the base path, token lifetimes, strict form parsing and
the check of who a grant is for (company, its sender authorization, user, entity)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from intacct.emulator.store import Company, OAuthApp, Store, User

__all__ = [
    "ACCESS_TTL_S",
    "CODE_TTL_S",
    "REFRESH_TTL_S",
    "REST_PREFIX",
    "Refusal",
    "check_principal",
    "parse_form",
]

REST_PREFIX = "/ia/api/v1"

#: access tokens last 12 hours [3p: PostHog's Sage Intacct source; clients in the wild
#: read ``expires_in`` 43200]
ACCESS_TTL_S = 12 * 3600
#: [U] authorization codes: RFC 6749 4.1.2 recommends at most 10 minutes; Sage says nothing
CODE_TTL_S = 600
#: [U] refresh tokens: Sage publishes no lifetime; 30 days, so a client that refreshes
#: daily never meets it and one that stores a token for months does
REFRESH_TTL_S = 30 * 24 * 3600

#: form requests are a few parameters
MAX_FORM_BYTES = 64 * 1024


def parse_form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body. ValueError when it is not UTF-8 or
    names a parameter twice (RFC 6749 3.1: parameters MUST NOT be repeated); an empty
    value counts as omitted (RFC 6749 3.1)."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the request body is not form-encoded UTF-8") from None
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in found:
            raise ValueError(f"the parameter {name} is repeated")
        found[name] = value
    return {name: value for name, value in found.items() if value != ""}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a grant cannot be for this company, user and entity: ``login`` (no such
    company or user, or the password is wrong), ``company`` (expired or without Web
    Services), ``sender`` (the company has not authorized the app's sender ID),
    ``entity`` (no such entity)."""

    reason: Literal["login", "company", "sender", "entity"]
    text: str


def check_principal(
    store: Store,
    app: OAuthApp,
    company_id: str,
    userid: str,
    entity: str,
    *,
    password: str | None = None,
    web_services: bool = False,
) -> tuple[Company, User] | Refusal:
    """The gateway's order (sender, company, user, entity; dispatch ``_authenticate``):
    the company exists, is live and subscribed, has authorized the app's sender ID (the
    rule the XML gateway applies, ``Identities.authorizes``), the user exists (with
    ``password`` when one is given, as Web Services user when ``web_services``), the
    entity exists. Wrong company, user and password are told apart by nothing."""
    company = store.company(company_id)
    if company is None:
        return Refusal("login", "Sign-in information is incorrect")
    if company.expired:
        return Refusal("company", "This company is a demo company and has expired.")
    if not company.web_services:
        # [U] REST needs the Web Services subscription (datablend's setup steps)
        return Refusal("company", "This company is not subscribed to Web Services.")
    if not store.identities.authorizes(app.senderid, company.id):
        return Refusal(
            "sender",
            f"The sender ID '{app.senderid}' of client '{app.client_id}' is not authorized "
            f"to make Web Services requests to company ID '{company.id}'.",
        )
    if password is None:
        user = store.user(company.id, userid)
    else:
        user = store.login(company.id, userid, password)
    if user is None or (web_services and not user.web_services):
        return Refusal("login", "Sign-in information is incorrect")
    if entity and store.entity_name(company.id, entity) is None:
        return Refusal("entity", f"Invalid location/entity '{entity}' for company '{company.id}'")
    return company, user
