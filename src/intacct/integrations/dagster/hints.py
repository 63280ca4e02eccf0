"""What to do about a failed company: a one-line hint per class of error.

``intacct doctor``'s own hints (``intacct.cli.doctor_checks``) sit in the CLI layer,
above this one; these point at doctor for the step by step check instead."""

from __future__ import annotations

from intacct.destinations import DestinationBusyError, DestinationError
from intacct.errors import (
    AuthenticationError,
    ConfigError,
    PermissionDeniedError,
    SenderError,
    ThrottledError,
    TransportError,
)

__all__ = ["hint"]


def hint(kind: type[BaseException], company: str, said: str = "") -> str:
    """The hint for an error of class ``kind`` that ``said`` so."""
    doctor = f"`intacct doctor` with company {company}'s connection checks each setup step"
    security = "Company > Setup > Company > Security > Web Services authorizations"
    if issubclass(kind, ConfigError):
        return "fix the tenant list (or the variables it names) and run again"
    if issubclass(kind, DestinationBusyError):
        return (
            f"another run (or a reader, past lock_wait_s) holds company {company}'s "
            "destination; this one was refused"
        )
    if issubclass(kind, (DestinationError, OSError)):
        return "check the destination: its folder must be creatable and writable"
    if issubclass(kind, SenderError):
        return f"authorize the Sender ID for company {company} ({security}); {doctor}"
    if issubclass(kind, AuthenticationError):
        return (
            f"check the tenant's user_id and password references (a Web Services user of "
            f"{company}); {doctor}"
        )
    if issubclass(kind, PermissionDeniedError):
        return (
            "give the Web Services user's role List and View permission on the failed "
            f"objects (Company > Roles); {doctor}"
        )
    if issubclass(kind, ThrottledError):
        return f"lower the tenant's concurrency to {company}'s Performance Tier limit"
    if issubclass(kind, TransportError):
        return f"check api_url, the network and any proxy; {doctor}"
    return doctor
