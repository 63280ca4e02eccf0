"""``intacct doctor`` for ``auth_type`` oauth: the REST API's setup, step by step.

One token request answers the first four questions at once (the REST API answers; the
app's client id and secret are accepted; the company authorized the app's Sender ID;
the grant holds: the client credentials of the Web Services user, or the refresh token a
person's consent saved, refreshed now so that a spent or revoked one shows here and not
in a run); which failed is read from the error (the token endpoint's RFC 6749 code,
classified by the one table). Then the XML session through the REST API's bridge (and
one XML request on it, which carries the Sender ID's credentials), the entity, the
user's time zone, and read access per object through the query service, whose 403 names
the permission the role lacks. Nothing shown holds a secret or a token.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Mapping, Sequence
from typing import Any

from intacct.cli.doctor_checks import (
    FAIL,
    OK,
    SKIPPED,
    TIME_ZONE,
    Check,
    _entity,
    _entity_name,
    _read_access,
    _said,
    _step_verdicts,
    _time_zone,
)
from intacct.cli.profile_tokens import profile_oauth
from intacct.client import IntacctClient
from intacct.client.oauth import TokenStore
from intacct.client.transport import InFlight
from intacct.config import ClientConfig
from intacct.errors import (
    AuthenticationError,
    IntacctError,
    NotFoundError,
    PermissionDeniedError,
    ResponseFormatError,
    SenderError,
    TransportError,
    ValidationError,
)
from intacct.logging import counted

__all__ = ["REST_OBJECTS", "app_checks", "oauth_checks"]

#: the XML objects doctor reads and their REST paths (the portal's object pages); one
#: not here is read through the XML session instead
REST_OBJECTS = {
    "GLACCOUNT": "general-ledger/account",
    "GLBATCH": "general-ledger/journal-entry",
    "CLASS": "company-config/class",
    "DEPARTMENT": "company-config/department",
    "LOCATION": "company-config/location",
    "CHECKINGACCOUNT": "cash-management/checking-account",
    "VENDOR": "accounts-payable/vendor",
    "APBILL": "accounts-payable/bill",
    "CUSTOMER": "accounts-receivable/customer",
    "ARINVOICE": "accounts-receivable/invoice",
    "PROJECT": "projects/project",
}
#: the token's steps, in the order the token endpoint checks them, then the bridge
REACHABLE, APP, AUTHORIZED, GRANT, BRIDGE = range(5)
_PERMISSION = re.compile(r"permission '([^']+)'")
_AUTHORIZATIONS = "Company > Setup > Company > Security > Web Services authorizations"


def oauth_checks(
    config: Mapping[str, Any],
    objects: Sequence[str],
    *,
    tokens: TokenStore | None,
    profile: str | None,
    in_flight: InFlight | None = None,
) -> Iterator[Check]:
    """Every check's verdict, as it is made; ``tokens``: the profile's saved ones (a
    person's consent), ``profile`` its name for the advice."""
    # one attempt each: a doctor reports what happens, it does not wait out backoffs
    values = {**config, "max_retries": 0}
    top = ClientConfig.from_mapping({**values, "entity_id": ""})
    oauth = profile_oauth(top, tokens)
    advice = _Advice(top, consented=oauth is not None, profile=profile)
    entity = str(values.get("entity_id") or "")
    with IntacctClient(top, in_flight=in_flight, oauth=oauth) as client:
        failed = yield from _sign_in(client, advice)
        if failed:
            for name in (_entity_name(entity), TIME_ZONE, *_reads(objects)):
                yield Check(name, SKIPPED, "needs a signed-in user")
            return
        yield from _after_sign_in(client.for_entity(entity) if entity else client, entity,
                                  values, objects, advice)  # fmt: skip


def _after_sign_in(
    client: IntacctClient,
    entity: str,
    config: Mapping[str, Any],
    objects: Sequence[str],
    advice: _Advice,
) -> Iterator[Check]:
    if not entity:
        yield Check(_entity_name(entity), SKIPPED, "no entity_id: the top level is read")
    else:
        check = _entity(client, entity, config)
        yield check
        if check.verdict == FAIL:  # the steps below read in it: one failure, not three
            for name in (TIME_ZONE, *_reads(objects)):
                yield Check(name, SKIPPED, f"needs entity {entity}")
            return
    yield _time_zone(client)
    for name in objects:
        yield _read(client, name, advice)


def _reads(objects: Sequence[str]) -> list[str]:
    return [f"read access to {name}" for name in objects]


class _Advice:
    """The checks' names and what to fix, for this app, company and grant."""

    def __init__(self, config: ClientConfig, *, consented: bool, profile: str | None) -> None:
        self.config, self.consented, self.profile = config, consented, profile

    @property
    def names(self) -> list[str]:
        c = self.config
        grant = (
            f"saved consent of profile {self.profile} (its refresh token)"
            if self.consented
            else f"client credentials for Web Services user {c.oauth_username}"
        )
        return [
            f"REST API reachable ({c.rest_url})",
            f"OAuth app accepted (client_id {c.client_id})",
            f"OAuth app authorized for company {c.company_id}",
            grant,
            "XML session through the REST API",
        ]

    @property
    def consent_again(self) -> str:
        return f"intacct profiles add {self.profile or 'NAME'} --consent"

    def token_failure(self, exc: IntacctError) -> tuple[int, str]:
        """The step a token request's error fails, and what to fix."""
        said, c = _said(exc), self.config
        if isinstance(exc, TransportError | ResponseFormatError):
            return REACHABLE, (
                f"{said}. Fix: the REST API is {c.rest_url}, beside api_url's gateway: "
                "check api_url, the network and any proxy"
            )
        if isinstance(exc, SenderError) and exc.errorno == "unauthorized_client":
            return AUTHORIZED, (
                f"{said}. Fix: {_AUTHORIZATIONS}: add the Sender ID of the app "
                f"{c.client_id} (company {c.company_id})"
            )
        if isinstance(exc, SenderError):
            return APP, (
                f"{said}. Fix: check client_id/client_secret: the OAuth app's credentials "
                "as Sage registered them"
            )
        if isinstance(exc, AuthenticationError) and self.consented:
            return GRANT, f"{said}. Fix: consent again: {self.consent_again}"
        if isinstance(exc, AuthenticationError):
            return GRANT, (
                f"{said}. Fix: company_id as shown in Company > Setup > Company information "
                f"({c.company_id!r} given); user_id {c.user_id!r} a user whose type is "
                "'Web Services user' (Company > Admin > Users); or a person's consent: "
                f"{self.consent_again}"
            )
        return GRANT, f"the token endpoint answered with an error: {said}"

    def bridge_failure(self, exc: IntacctError) -> str:
        said = _said(exc)
        if isinstance(exc, SenderError):
            return (
                f"{said}. Fix: sender_id and sender_password are the Web Services developer "
                "credentials Sage issued with your Sender ID: XML requests carry them with "
                f"OAuth too; {_AUTHORIZATIONS} must list that Sender ID"
            )
        return f"{said}. Fix: the REST API's session service (core/session/id) refused it"

    def permission(self, name: str, exc: IntacctError) -> str:
        said = _said(exc)
        found = _PERMISSION.search(said)
        permission = f"the permission '{found[1]}'" if found else f"Read/List on {name}"
        who = "the user who consented" if self.consented else f"user {self.config.user_id}"
        return (
            f"{said}. Fix: Company > Roles: give the role of {who} {permission} (or the "
            "user's own permissions under Company > Admin > Users); its application must "
            "be subscribed (Company > Admin > Subscriptions)"
        )


def app_checks(
    config: Mapping[str, Any],
    *,
    tokens: TokenStore | None,
    profile: str | None,
    in_flight: InFlight | None = None,
) -> Iterator[Check]:
    """The OAuth app of a profile signing in to the XML gateway with a password (its
    REST objects and ``api rest`` need the app): the token's four steps, as
    :func:`oauth_checks` makes them."""
    top = ClientConfig.from_mapping({**config, "max_retries": 0, "entity_id": ""})
    oauth = profile_oauth(top, tokens)
    advice = _Advice(top, consented=oauth is not None, profile=profile)
    with IntacctClient(top, in_flight=in_flight, oauth=oauth) as client:
        yield from _token_steps(client, advice)


def _token_steps(client: IntacctClient, advice: _Advice) -> Generator[Check, None, bool]:
    """The token's four steps; returns whether one failed."""
    names = advice.names[:BRIDGE]
    try:
        _token(client, advice.consented)
    except IntacctError as exc:
        step, detail = advice.token_failure(exc)
        # the endpoint checks the company before its authorization and refuses an
        # unknown one as it refuses a wrong user: it cannot tell
        untold = {AUTHORIZED: "not known: the grant was refused first"} if step == GRANT else {}
        yield from _step_verdicts(names, step, detail, untold)
        return True
    for name in names:
        yield Check(name, OK, "")
    return False


def _sign_in(client: IntacctClient, advice: _Advice) -> Generator[Check, None, bool]:
    """The token's four steps and the bridge; returns whether one failed."""
    names = advice.names
    failed = yield from _token_steps(client, advice)
    if failed:
        yield Check(names[BRIDGE], SKIPPED, "needs the step above")
        return True
    try:
        client.sign_in()
        client.user_formatting()  # one XML request: its control block is checked too
    except IntacctError as exc:
        yield Check(names[BRIDGE], FAIL, advice.bridge_failure(exc))
        return True
    yield Check(names[BRIDGE], OK, "signed in")
    return False


def _token(client: IntacctClient, consented: bool) -> None:
    """A token now; a consent's refresh token is spent for a new pair (saved), so a
    refused one is told here."""
    source = client.rest.requestor.tokens
    saved = source.store.load() if consented else None
    if saved is not None:
        source.refused(saved.access_token)  # due now: the refresh token is tried
    source.token()


def _read(client: IntacctClient, name: str, advice: _Advice) -> Check:
    path = REST_OBJECTS.get(name)
    if path is None:  # REST has no such object: the XML session reads it
        return _read_access(client, name, {"user_id": advice.config.user_id})
    check = f"read access to {name}"
    try:
        answer = client.rest.query(path, ["key"], size=1)
    except PermissionDeniedError as exc:
        return Check(check, FAIL, advice.permission(name, exc))
    except (ValidationError, NotFoundError) as exc:
        return Check(check, FAIL, f"{_said(exc)}. Fix: check that {path}'s application is "
                     "subscribed (Company > Admin > Subscriptions)")  # fmt: skip
    except IntacctError as exc:
        return Check(check, FAIL, _said(exc))
    total = answer.meta.get("totalCount")
    said = counted(total, "record") if isinstance(total, int) else "readable"
    return Check(check, OK, f"{said} (REST {path})")
