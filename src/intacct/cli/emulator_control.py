"""``intacct emulator misconfigure|clock|latency|fault|stats|webhooks``: the control API
of a running emulator (``/_emulator/``) from the shell, to try ``intacct doctor``, a sync
or any client against each setup mistake, another time of day, a slow or failing
gateway, and Intacct's change notices (its triggers' subscriptions)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import click
import httpx

from intacct.emulator.store import DEMO_APP, DEMO_SENDER, DEMO_USER

__all__ = ["MISTAKES", "clock", "fault", "latency", "misconfigure", "stats", "webhooks"]

DEFAULT_URL = "http://127.0.0.1:8089"


@dataclass(frozen=True)
class Mistake:
    """A setup mistake: what doctor then says, and the control request making or
    undoing it (path and body, from the command's options)."""

    says: str  # the doctor step that fails
    path: str
    body: dict[str, Any]
    undo: dict[str, Any]


def _mistakes(company: str, user: str, sender: str, module: str) -> dict[str, Mistake]:
    return {
        "not-subscribed": Mistake(
            f"company {company} subscribed to Web Services",
            f"companies/{company}",
            {"web_services": False},
            {"web_services": True},
        ),
        "expired": Mistake(
            f"company {company} subscribed to Web Services (expired)",
            f"companies/{company}",
            {"expired": True},
            {"expired": False},
        ),
        "sender-not-authorized": Mistake(
            f"Sender ID {sender} authorized for company {company}",
            f"senders/{sender}",
            {"revoke": [company]},
            {"grant": [company]},
        ),
        "not-web-services-user": Mistake(
            f"user login ({user} at company {company})",
            f"companies/{company}/users/{user}",
            {"web_services": False},
            {"web_services": True},
        ),
        "role-without-module": Mistake(
            f"read access to the {module} objects",
            f"companies/{company}/users/{user}",
            {"denied_modules": [module]},
            {"denied_modules": []},
        ),
    }


#: the setup mistakes ``intacct doctor`` diagnoses that need the emulator changed (a
#: wrong company id, user, password or entity needs none: give the wrong value)
MISTAKES = tuple(_mistakes("DEMO", DEMO_USER[0], DEMO_SENDER[0], "AP"))

url_option = click.option(
    "--url",
    default=DEFAULT_URL,
    show_default=True,
    help="The emulator: its address or the gateway URL `intacct emulator serve` printed.",
)


@click.command()
@click.argument("mistake", type=click.Choice(MISTAKES))
@url_option
@click.option("--company", default="DEMO", show_default=True)
@click.option("--user", default=DEMO_USER[0], show_default=True, help="For the user's mistakes.")
@click.option("--sender", default=DEMO_SENDER[0], show_default=True)
@click.option(
    "--module", default="AP", show_default=True, help="For role-without-module: AP, AR, GL..."
)
@click.option("--undo", is_flag=True, help="Put that part of the setup right again.")
def misconfigure(
    mistake: str, url: str, company: str, user: str, sender: str, module: str, undo: bool
) -> None:
    """Make (or --undo) one setup mistake in a running emulator, as a real
    company can have it: not-subscribed (no Web Services subscription), expired (a demo
    company past its end), sender-not-authorized (the Sender ID is not in the company's
    Web Services authorizations), not-web-services-user (the user's type is not Web
    Services user), role-without-module (the user's role lacks a module's permissions).
    A wrong company id, user id, password or entity id needs no setup: give it."""
    chosen = _mistakes(company, user, sender, module.upper())[mistake]
    _post(url, chosen.path, chosen.undo if undo else chosen.body)
    if undo:
        click.echo(f"Undone: {mistake} ({chosen.path})")
    else:
        given = [
            ("--url", url, DEFAULT_URL),
            ("--company", company, "DEMO"),
            ("--user", user, DEMO_USER[0]),
            ("--sender", sender, DEMO_SENDER[0]),
            ("--module", module, "AP"),
        ]
        where = "".join(f" {name} {value}" for name, value, default in given if value != default)
        click.echo(
            f"Made: {mistake} ({chosen.path}); intacct doctor now fails at '{chosen.says}'. "
            f"Undo: intacct emulator misconfigure {mistake}{where} --undo"
        )


@click.command()
@url_option
@click.option("--set", "at", metavar="ISO-TIME", help="Move it there, e.g. 2027-11-07T08:50:00Z.")
@click.option("--advance", type=float, metavar="SECONDS", help="Move it on by this much.")
@click.option("--real", is_flag=True, help="Back to the real time.")
def clock(url: str, at: str | None, advance: float | None, real: bool) -> None:
    """Show or move the emulator's clock. Every stamp, gmtoffset and session timestamp
    read it; it runs on from where it is set."""
    if sum(x is not None and x is not False for x in (at, advance, real or None)) > 1:
        raise click.UsageError("give one of --set, --advance, --real")
    if at is not None:
        answer = _post(url, "clock", {"now": at})
    elif advance is not None:
        answer = _post(url, "clock", {"advance_s": advance})
    else:
        answer = _call(url, "DELETE" if real else "GET", "clock")
    click.echo(f"{answer['now']}{' (moved)' if answer.get('moved') else ''}")


@click.command()
@url_option
@click.option("--ms", type=click.IntRange(min=0), help="Base wait of every answer.")
@click.option("--per-row-us", type=click.IntRange(min=0), help="Extra wait per record.")
def latency(url: str, ms: int | None, per_row_us: int | None) -> None:
    """Show or set how long the emulator's answers take."""
    changes = {k: v for k, v in (("ms", ms), ("per_row_us", per_row_us)) if v is not None}
    answer = _post(url, "latency", changes) if changes else _call(url, "GET", "latency")
    click.echo(f"{answer['ms']} ms per answer, {answer['per_row_us']} us per record")


@click.command()
@click.argument("spec", required=False)
@url_option
@click.option("--clear", is_flag=True, help="Remove every fault rule.")
def fault(spec: str | None, url: str, clear: bool) -> None:
    """Add a fault rule, remove them all (--clear), or list them. SPEC as for serve
    --fault, e.g. 'status=503,times=2' or 'delay_ms=800,function=readByQuery'."""
    if clear:
        _call(url, "DELETE", "faults")
    elif spec:
        _call(url, "POST", "faults", content=spec.encode())
    rules = _call(url, "GET", "faults")["faults"]
    for rule in rules:
        click.echo(f"{rule['spec']}  (seen {rule['seen']}, fired {rule['fired']})")
    if not rules:
        click.echo("no fault rules")


@click.command()
@url_option
def stats(url: str) -> None:
    """Requests and API transactions billed (per function, per company), as JSON."""
    click.echo(json.dumps(_call(url, "GET", "stats"), indent=2, sort_keys=True))


@click.group()
def webhooks() -> None:
    """Change notice subscriptions (Intacct's Platform Triggers, set up here instead of
    in its UI): each write of an object in a company is sent to an endpoint as
    Intacct's webhook delivery (signed for the OAuth app, retried), or a Smart Event's
    post, or kept in the company's event queue."""


@webhooks.command("subscribe")
@click.argument("objects")
@click.argument("endpoint", required=False)
@url_option
@click.option("--company", default="DEMO", show_default=True)
@click.option(
    "--events",
    default="create,update,delete",
    show_default=True,
    help="The writes that notify, a comma list.",
)
@click.option(
    "--client-id",
    default=DEMO_APP.client_id,
    show_default=True,
    help="The OAuth app a delivery is signed for (with its client secret).",
)
@click.option(
    "--queue",
    is_flag=True,
    help="Keep the notices in the event queue (intacct notices pull): no ENDPOINT.",
)
@click.option(
    "--smart-event",
    metavar="TEMPLATE",
    help="Post this body instead, as a Smart Event does (no signature, one attempt).",
)
def subscribe(
    objects: str,
    endpoint: str | None,
    url: str,
    company: str,
    events: str,
    client_id: str,
    queue: bool,
    smart_event: str | None,
) -> None:
    """Send each write of OBJECTS (VENDOR, or a comma list) in --company to ENDPOINT,
    e.g. http://127.0.0.1:8080/intacct/notices (where `intacct notices serve` listens by
    default; /intacct/smart-events for --smart-event). One subscription per object."""
    if queue == bool(endpoint) or (queue and smart_event is not None):
        raise click.UsageError("give an ENDPOINT, or --queue alone (the event queue has none)")
    given: dict[str, Any] = {"company": company, "events": _listed(events), "url": endpoint or ""}
    if smart_event is not None:
        given |= {"mode": "smart_event", "body": smart_event}
    else:
        given |= {"mode": "queue" if queue else "webhook", "client_id": client_id}
    for name in _listed(objects):
        added = _post(url, "webhooks", {**given, "object": name.upper()})
        click.echo(f"Subscribed {_shown(added)}. Remove: intacct emulator webhooks remove "
                   f"{added['id']}")  # fmt: skip


@webhooks.command("list")
@url_option
def list_subscriptions(url: str) -> None:
    """The subscriptions, one a line: id, company, object, events, where they go."""
    found = _call(url, "GET", "webhooks")["webhooks"]
    for subscription in found:
        click.echo(_shown(subscription))
    if not found:
        click.echo("no subscriptions")


@webhooks.command()
@click.argument("ids", nargs=-1, required=True)
@url_option
def remove(ids: tuple[str, ...], url: str) -> None:
    """Remove subscriptions by id (intacct emulator webhooks list): their pending
    deliveries are dropped."""
    for subscription_id in ids:
        _call(url, "DELETE", f"webhooks/{subscription_id}")
        click.echo(f"Removed {subscription_id}")


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _shown(subscription: dict[str, Any]) -> str:
    """``<id>: DEMO VENDOR create, update, delete -> <url> (webhook, app demo_client_id)``."""
    mode = subscription.get("mode", "webhook")
    where = "the event queue" if mode == "queue" else subscription.get("url", "")
    app = f", app {subscription['client_id']}" if subscription.get("client_id") else ""
    return (
        f"{subscription['id']}: {subscription['company']} {subscription['object']} "
        f"{', '.join(subscription['events'])} -> {where} ({mode}{app})"
    )


def _post(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return _call(url, "POST", path, content=json.dumps(body).encode())


def _call(url: str, method: str, path: str, content: bytes | None = None) -> dict[str, Any]:
    """One control request; a missing emulator or a refused request is one line."""
    base = url.split("/ia/")[0].split("/_emulator")[0].rstrip("/")
    try:
        answer = httpx.request(method, f"{base}/_emulator/{path}", content=content, timeout=30)
    except httpx.HTTPError as exc:
        raise click.ClickException(
            f"no emulator at {base} ({exc}); start one with intacct emulator serve, or give --url"
        ) from None
    try:
        said: dict[str, Any] = answer.json()
    except ValueError:
        said = {}
    if answer.status_code >= 400 or not isinstance(said, dict):
        why = said.get("error") if isinstance(said, dict) else None
        raise click.ClickException(
            f"{base} refused {method} /_emulator/{path}: HTTP {answer.status_code}: "
            f"{why or 'is it an intacct emulator?'}"
        )
    return said
