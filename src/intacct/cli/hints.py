"""What to do when ``intacct sync`` fails on the connection's setup: the fix, by class of
error (:mod:`intacct.errors`, as the one table in :mod:`intacct.protocol.classify` sets
it), and the ``intacct doctor`` command that checks every setup step. The one place
these hints are written; doctor's own checks (:mod:`intacct.cli.doctor_checks`) say
more, step by step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from intacct.config import DEFAULT_API_URL
from intacct.errors import (
    AuthenticationError,
    ConfigError,
    GatewayError,
    IntacctError,
    InvalidSessionError,
    ResponseFormatError,
    SenderError,
    TransportError,
)

__all__ = ["OAUTH_APP", "doctor_command", "failure_hint", "permission_hint"]

#: how the OAuth app is given to a command
OAUTH_APP = (
    "give the OAuth app's client_id and client_secret, as Sage registered the app: "
    "INTACCT_CLIENT_ID and INTACCT_CLIENT_SECRET, or a profile's "
    "(intacct profiles add NAME --client-id ID --client-secret-env VARIABLE)"
)


def doctor_command(profile: str | None, objects: Sequence[str] = ()) -> str:
    """The ``intacct doctor`` command for the same connection (and ``objects``)."""
    on = f" --profile {profile}" if profile else ""
    read = f" --objects {','.join(objects)}" if objects else ""
    return f"intacct doctor{on}{read}"


def permission_hint(denied: Sequence[str], user: str, profile: str | None) -> str:
    """Objects the user may not read: the permission to give, and doctor."""
    names = ", ".join(denied)
    return (
        f"Permission: the Web Services user {user} may not read {names}. Give its role "
        f"List and View permission on {names} (Company > Roles, in the application each "
        f"belongs to); `{doctor_command(profile, denied)}` checks every setup step."
    )


def failure_hint(exc: IntacctError, config: Mapping[str, Any], profile: str | None) -> str | None:
    """The fix for a run that failed on its connection (sign-in, network), with the doctor
    command; None for other errors, whose own text says what to do."""
    doctor = f"`{doctor_command(profile)}` checks every setup step"
    company, user = config.get("company_id"), config.get("user_id")
    if isinstance(exc, GatewayError) and exc.level == "oauth":  # the REST API's token endpoint
        return _oauth_hint(exc, config, profile, doctor)
    if isinstance(exc, ConfigError) and exc.key == "client_id":
        return f"Fix: {OAUTH_APP}; {doctor}."
    if isinstance(exc, SenderError):
        return (
            f"Fix: sender_id and sender_password are the Web Services credentials Sage "
            f"issued with the Sender ID, which must be authorized for company {company} "
            "(Company > Setup > Company > Security > Web Services authorizations); "
            f"{doctor}."
        )
    if isinstance(exc, AuthenticationError) and not isinstance(exc, InvalidSessionError):
        return (
            f"Fix: check company_id ({company!r}, as in Company > Setup > Company "
            f"information), user_id ({user!r}) and user_password: a user of type 'Web "
            f"Services user' (Company > Admin > Users); {doctor}."
        )
    if isinstance(exc, TransportError) and not isinstance(exc, ResponseFormatError):
        return (
            f"Fix: check api_url ({config.get('api_url') or DEFAULT_API_URL}; Intacct's "
            f"gateway is {DEFAULT_API_URL}), the network and any proxy; {doctor}."
        )
    return None


def _oauth_hint(
    exc: GatewayError, config: Mapping[str, Any], profile: str | None, doctor: str
) -> str:
    """The fix for a refusal of the REST API's token endpoint (RFC 6749's errors)."""
    company, user = config.get("company_id"), config.get("user_id")
    if exc.errorno == "invalid_client":  # the app's own credentials
        return f"Fix: check client_id and client_secret: {OAUTH_APP}; {doctor}."
    if isinstance(exc, SenderError):  # unauthorized_client: the company does not let it in
        return (
            f"Fix: the OAuth app {config.get('client_id')}'s Sender ID must be authorized "
            f"for company {company} (Company > Setup > Company > Security > Web Services "
            f"authorizations); {doctor}."
        )
    consent = f"intacct profiles add {profile or 'NAME'} --consent"
    return (
        f"Fix: client credentials sign in user_id@company_id ({user}@{company}): a user of "
        f"type 'Web Services user' (Company > Admin > Users); a profile with a person's "
        f"consent consents again (`{consent}`); {doctor}."
    )
