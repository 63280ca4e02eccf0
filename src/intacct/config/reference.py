"""The configuration reference, docs/configuration.md, written from the table of keys
(:data:`intacct.config.keys.KEYS`): each key's places, type, default, whether it is a
secret, and what it does (its guide, else its doc line). ::

    python -m intacct.config.reference docs/configuration.md

writes it (with no path, to standard output); ``tests/test_config_reference.py`` fails
when the file is not what this writes now. Edit the table, then run the command.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from intacct.config import parsers as kinds
from intacct.config.keys import ENV_PREFIX, KEYS, Key, Owner, Surface

__all__ = ["COMMAND", "PATH", "main", "render"]

#: where the reference lives in the repository, and the command that writes it there
PATH = "docs/configuration.md"
COMMAND = f"python -m intacct.config.reference {PATH}"

#: the page's sections: each owner's keys, in the table's order
_SECTIONS: dict[Owner, tuple[str, str]] = {
    Owner.CONNECTION: (
        "Connection",
        "Whose company, as whom, and where: every command, the tap, the target and a "
        "fleet's tenants read these.",
    ),
    Owner.TUNING: ("Requests", "How requests are sent: pages, concurrency, timeouts, retries."),
    Owner.REPLICATION: (
        "What a run reads",
        "What `intacct sync`, the tap, the dlt source and the fleet read, and from when.",
    ),
    Owner.SYNC: ("intacct sync", "Where `intacct sync` writes, and how it lives with readers."),
    Owner.WRITES: ("The Singer target", "How `target-sage-intacct` writes records."),
    Owner.NOTICES: ("Change notices", "What `intacct notices serve` checks."),
}

_INTRO = f"""\
# Configuration reference

<!-- Written from the table of keys in src/intacct/config/keys.py by
`{COMMAND}`: edit the table, then run it. -->

Every setting the connector takes is one key, with one name wherever it is given:

| where | how |
| --- | --- |
| a profile | `intacct profiles add NAME --page-size 1000`: the key with hyphens; \
kept in `profiles.toml` ([profiles](getting-started.md#profiles-named-connections)) |
| the environment | `{ENV_PREFIX}PAGE_SIZE=1000`: `{ENV_PREFIX}` and the key in upper \
case, for every `intacct` command |
| a Singer config | `{{"page_size": 1000}}` in the JSON the tap or the target is given \
(`tap-sage-intacct --about` lists its keys) |
| a tenant file | `page_size: 1000` for a company of a [fleet](fleet.md#the-tenant-file) |

Which connection a command uses when several are given is in
[Getting started](getting-started.md#which-connection-a-command-uses). A secret is never
shown, logged or stored in a destination: a profile takes it from an environment
variable (`--<key>-env NAME`), the OS keyring or its own file (mode 0600); a tenant
file only as a reference (`{{env: NAME}}` or `{{keyring: {{service: S, username: U}}}}`).
"""


def render() -> str:
    """The reference page, as docs/configuration.md holds it."""
    parts = [_INTRO, _summary()]
    for owner, (title, said) in _SECTIONS.items():
        keys = [k for k in KEYS if k.owner is owner]
        parts.append(f"## {title}\n\n{_wrap(said)}\n")
        parts.extend(_key(k) for k in keys)
    return "\n".join(parts)


def _summary() -> str:
    rows = ["| key | default | given in |", "| --- | --- | --- |"]
    for key in KEYS:
        rows.append(f"| [`{key.name}`](#{key.name}) | {_default(key)} | {_places(key)} |")
    return "## Every key\n\n" + "\n".join(rows) + "\n"


def _key(key: Key) -> str:
    items = [
        f"**Type**: {_kind(key.parser)}",
        f"**Default**: {_default(key)}",
        f"**Given in**: {_given_in(key)}",
    ]
    if key.secret:
        items.append("**Secret**: yes, never shown or logged")
    listed = "\n".join(_wrap(item, "- ", "  ") for item in items)
    return f"### `{key.name}`\n\n{_wrap(key.guide or key.doc)}\n\n{listed}\n"


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    """``text`` in lines of at most 88 characters (a word is never broken, nor a menu
    path: a line starting with ``>`` would be a quote)."""
    kept = text.replace(" > ", "\0>\0")
    wrapped = textwrap.fill(
        kept, 88, initial_indent=first, subsequent_indent=rest,
        break_long_words=False, break_on_hyphens=False,
    )  # fmt: skip
    return wrapped.replace("\0", " ")


def _places(key: Key) -> str:
    """The places a key is given, short (the summary table)."""
    names = {
        Surface.PROFILE: "profile",
        Surface.ENV: "env",
        Surface.TAP: "tap",
        Surface.TARGET: "target",
        Surface.TENANT: "tenant",
    }
    return ", ".join(said for surface, said in names.items() if surface in key.on)


def _given_in(key: Key) -> str:
    """The places a key is given, each as a user writes it there."""
    flag = "--" + key.name.replace("_", "-")
    places = []
    if Surface.PROFILE in key.on:
        with_env = f" or `{flag}-env NAME`" if key.secret else ""
        places.append(f"a profile (`{flag}`{with_env})")
    if Surface.ENV in key.on:
        places.append(f"`{key.variable}`")
    singer = [name for surface, name in ((Surface.TAP, "tap"), (Surface.TARGET, "target"))
              if surface in key.on]  # fmt: skip
    if singer:
        places.append(" and ".join(f"the {name}'s config" for name in singer))
    if Surface.TENANT in key.on:
        places.append("a tenant file" + (" (a reference)" if key.secret else ""))
    return ", ".join(places)


def _default(key: Key) -> str:
    if key.required and key.unless:
        name, value = key.unless
        return f"required, except with `{name}` `{value}`"
    if key.when:
        name, value = key.when
        return f"none; required with `{name}` `{value}`"
    if key.required:
        return "required"
    return _value(key.default)


def _value(value: Any) -> str:
    if value is None or value == ():
        return "none"
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, timedelta):
        return f"`{_duration(value)}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{value}`"


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return str(seconds)


def _kind(parser: kinds.Parser) -> str:
    """What a value of ``parser`` is, for people."""
    match parser:
        case kinds.Text(strip=True):
            return "text"
        case kinds.Text():
            return "text, kept exactly as given (spaces included)"
        case kinds.Url():
            return "an http(s) URL"
        case kinds.Choice(choices=choices):
            return "one of " + ", ".join(f"`{c}`" for c in choices)
        case kinds.Zone():
            return "an IANA time zone name (`America/Los_Angeles`)"
        case kinds.Integer(low=low, high=high):
            return f"a whole number, {low} to {high}"
        case kinds.Seconds(high=high):
            return f"seconds, more than 0 and at most {high:g}"
        case kinds.Duration(high=high):
            return (
                "a duration: seconds, or a number with `s`, `m`, `h` or `d` (`30m`, `12h`, "
                f"`1d`); 0 to {_duration(high)}"
            )
        case kinds.Flag():
            return "`true` or `false` (also `1`/`0`, `yes`/`no`)"
        case kinds.History():
            return "`true` (every object), `false`, or a list or comma list of objects"
        case kinds.Timestamp():
            return "an ISO 8601 date or timestamp (without an offset: UTC)"
        case kinds.Entities():
            return "a list or comma list of entity ids, or `all`"
        case kinds.FilePath():
            return "a file path"
    raise TypeError(f"the reference does not describe {type(parser).__name__} values yet")


def main(argv: Sequence[str]) -> int:
    """Write the reference to the path given, else to standard output."""
    text = render()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
