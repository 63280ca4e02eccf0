"""Every setting a user can give, declared once (docs/ARCHITECTURE.md, "Config keys").

Each :class:`Key` says who reads it (its :class:`Owner`: the settings object it lands
in), how its value is read (its parser), its default, whether it is a secret, a line
for people, and where users may give it (its :class:`Surface` set). Everything else is
built from :data:`KEYS`: what :class:`~intacct.config.ClientConfig`,
``ReplicationSettings`` and the target's ``WriteOptions`` read, the tap's and the
target's ``--about`` schemas, the profile keys and ``intacct profiles add``'s options,
the ``INTACCT_*`` variables and the tenant file's keys (``tests/test_settings_keys.py``
holds every surface to it).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from intacct.config.parsers import (
    Choice,
    Duration,
    Entities,
    FilePath,
    Flag,
    History,
    Integer,
    Parser,
    Seconds,
    Text,
    Timestamp,
    Url,
    Zone,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_LOCK_WAIT_S",
    "DEFAULT_LOOKBACK_MINUTES",
    "DEFAULT_VERIFY_EVERY",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_REPORT_PATH",
    "ENV_PREFIX",
    "KEYS",
    "MAX_FUNCTIONS",
    "MAX_LOOKBACK_MINUTES",
    "Key",
    "Owner",
    "Surface",
]

DEFAULT_API_URL = "https://api.intacct.com/ia/xml/xmlgw.phtml"
#: Intacct's largest query page, used to extract unless ``page_size`` is set: fewest
#: requests and API transactions per record (the client's own default, 1000, is
#: readByQuery's largest page)
DEFAULT_PAGE_SIZE = 2000
#: [U] how late a write of Intacct can become visible is undocumented; Estuary re-reads
#: two hours behind in production, and a lookback at least as long as the lag loses
#: nothing (BENCHMARKS.md). Through the window's digest a run re-reads in full only what
#: the destination lacks: a quiet run costs one API transaction more per object, no
#: request more (RELIABILITY.md, the lookback)
DEFAULT_LOOKBACK_MINUTES = 120
#: Intacct keeps audit history for about a month; a longer look-back is a mistake
MAX_LOOKBACK_MINUTES = 60 * 24 * 31
#: how often each object is checked as before, beside the audit trail's one question a
#: run (replication/run/watch.py): daily bounds how late a change the audit trail did
#: not list is found; 0 asks every object every run and never the question
DEFAULT_VERIFY_EVERY = timedelta(days=1)
#: functions per request; Intacct documents 100 records/keys per function and no
#: request limit [U], so 100 keeps a request's size and blast radius bounded.
MAX_FUNCTIONS = 100
DEFAULT_REPORT_PATH = "target-report.jsonl"
#: how long intacct sync waits for a reader holding its destination: a dashboard's query
#: or a person's look at the file lets go within seconds; one that holds it longer than
#: this is not coming back soon, and a scheduled run had better say so than wait for ever
DEFAULT_LOCK_WAIT_S = 600.0
ENV_PREFIX = "INTACCT_"


class Owner(enum.Enum):
    """Who reads a key: the settings object its value lands in."""

    CONNECTION = "client connection"  # ClientConfig: whose company, as whom, where
    TUNING = "client tuning"  # ClientConfig: how requests are sent
    REPLICATION = "replication"  # ReplicationSettings: what the engine reads, from when
    WRITES = "target writes"  # the target's WriteOptions
    SYNC = "sync"  # intacct sync itself (the CLI)
    NOTICES = "notices receiver"  # intacct notices serve (the CLI)


class Surface(enum.Enum):
    """Where a user may give a key."""

    TAP = "tap"  # tap-sage-intacct's config (--about)
    TARGET = "target"  # target-sage-intacct's config (--about)
    PROFILE = "profile"  # profiles.toml and intacct profiles add
    ENV = "env"  # INTACCT_<KEY> for intacct commands
    TENANT = "tenant"  # a Dagster fleet's tenant file


@dataclass(frozen=True, slots=True)
class Key:
    """One setting: the columns of the table (the module docstring says what each is for)."""

    name: str
    owner: Owner
    parser: Parser
    default: Any
    #: one line for people: ``intacct profiles add --help`` shows it
    doc: str
    on: frozenset[Surface]
    #: never shown, logged nor stripped; a profile takes it from a variable or a keyring
    secret: bool = False
    required: bool = False
    #: (key, value): not required when that key has that value (a user password is
    #: not needed when OAuth signs in)
    unless: tuple[str, str] | None = None
    #: (key, value): required only when that key has that value (the OAuth app)
    when: tuple[str, str] | None = None
    #: the Singer schemas' title and description (a mapping: per executable)
    title: str | None = None
    about: str | Mapping[Surface, str] | None = None
    #: other owners that read it too (``api`` routes the tap's reads and the target's
    #: writes: one setting, one meaning)
    also: frozenset[Owner] = frozenset()

    @property
    def always_required(self) -> bool:
        """Required whatever else is given (what the schemas demand)."""
        return self.required and self.unless is None and self.when is None

    def needed(self, values: Mapping[str, Any]) -> bool:
        """Required, given the other keys of ``values`` (a key not given: its default)."""
        condition = self.when or self.unless
        if condition is None:
            return self.required
        name, value = condition
        given = values.get(name)
        holds = (given if given not in (None, "") else _DEFAULTS.get(name)) == value
        return holds if self.when else self.required and not holds

    @property
    def variable(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def client(self) -> bool:
        """Read by the client (:class:`~intacct.config.ClientConfig`)."""
        return self.owner in (Owner.CONNECTION, Owner.TUNING)

    @property
    def offered(self) -> str | None:
        """The default a person is offered (the schemas', the profile option's): a
        text's; a number's default is said in its doc line."""
        return self.default if isinstance(self.parser, Text | Url) and self.default else None

    def parse(self, value: Any) -> Any:
        return self.parser(self.name, value)

    def about_on(self, surface: Surface) -> str | None:
        if isinstance(self.about, Mapping):
            return self.about.get(surface)
        return self.about


_TAP, _TARGET, _PROFILE, _ENV, _TENANT = Surface
_SINGER = frozenset({_TAP, _TARGET})
_USER = frozenset({_PROFILE, _ENV})  # what intacct commands take
_EVERYWHERE = _SINGER | _USER | {_TENANT}
_PROMPTED = "Prompted (hidden) when neither it nor -env is given."
_CONNECTION, _TUNING, _REPLICATION, _WRITES, _SYNC, _NOTICES = Owner
_OAUTH = ("auth_type", "oauth")

# A new setting is one entry here: Key(name, owner, parser, default, doc, surfaces,
# secret=, required=, title=, about=), and the field it lands in on its owner's settings
# object (tests/test_settings_keys.py checks every surface against this table). The
# order is the --about order, so meltano.yml's, and the profiles add options'.
KEYS: tuple[Key, ...] = (
    # the first six are hotglue's tap's names, so its configs keep working
    Key("sender_id", _CONNECTION, Text(), None, "The Web Services Sender ID.",
        _EVERYWHERE, required=True, title="Web Services sender ID"),
    Key("sender_password", _CONNECTION, Text(strip=False), None, _PROMPTED,
        _EVERYWHERE, secret=True, required=True),
    Key("user_id", _CONNECTION, Text(), None, "A Web Services user of the company.",
        _EVERYWHERE, required=True, title="Web Services user ID"),
    Key("user_password", _CONNECTION, Text(strip=False), None, _PROMPTED,
        _EVERYWHERE, secret=True, required=True, unless=_OAUTH),
    Key("company_id", _CONNECTION, Text(), None, "As in Company > Setup > Company information.",
        _EVERYWHERE, required=True),
    Key("entity_id", _CONNECTION, Text(), "", "An entity's Location ID; empty: top level.",
        _SINGER | _USER, about={
            _TAP: "Location ID of the entity to log in to; empty = top level",
            _TARGET: "Location ID of the entity to write into; empty = top level",
        }),
    Key("api_url", _CONNECTION, Url(), DEFAULT_API_URL, "The gateway's URL.", _EVERYWHERE),
    Key("auth_type", _CONNECTION, Choice(("session", "login", "oauth")), "session",
        "Default: session; oauth: the OAuth app's client credentials sign user_id in "
        "(no user password), or a person's consent (--consent), for the REST API and XML "
        "sessions alike.", _EVERYWHERE,
        about="session (default), login, or oauth: the OAuth app (client_id, client_secret) "
        "signs user_id in by client credentials, for the REST API and XML sessions alike"),
    Key("client_id", _CONNECTION, Text(), "", "The OAuth 2 app's client ID (auth_type oauth).",
        _EVERYWHERE, when=_OAUTH, about="OAuth 2 app's client ID (auth_type oauth)"),
    Key("client_secret", _CONNECTION, Text(strip=False), "",
        "The OAuth 2 app's client secret (auth_type oauth); prompted (hidden) when neither it "
        "nor -env is given.",
        _EVERYWHERE, secret=True, when=_OAUTH,
        about="OAuth 2 app's client secret (auth_type oauth)"),
    Key("dtd_version", _CONNECTION, Choice(("3.0", "2.1")), "3.0", "Default: 3.0.",
        _SINGER | _USER,
        about={_TARGET: "2.1 writes with the legacy create_<object>/update_/delete_ functions"}),
    Key("start_date", _REPLICATION, Timestamp(), None,
        "A first sync reads what changed since then (ISO 8601).", _SINGER | _USER,
        about="a first run reads what changed since then (records without WHENMODIFIED too)"),
    Key("page_size", _TUNING, Integer(1, 2000), 1000,
        f"Records per page; intacct sync reads {DEFAULT_PAGE_SIZE} (query's largest) unless set.",
        _USER | {_TAP, _TENANT},
        about=f"records per page (default {DEFAULT_PAGE_SIZE})"),
    Key("max_concurrency", _TUNING, Integer(1, 64), 2,
        "Requests in flight for the company (default 2: Intacct's base tier).", _SINGER | _USER,
        about={_TAP: "requests in flight for the whole run (default 2, Intacct's base tier)"}),
    Key("lookback_minutes", _REPLICATION, Integer(0, MAX_LOOKBACK_MINUTES),
        DEFAULT_LOOKBACK_MINUTES, f"Late writes: default {DEFAULT_LOOKBACK_MINUTES}.",
        _SINGER | _USER,
        about="re-read this window behind each bookmark, for writes Intacct makes visible "
        f"late (default {DEFAULT_LOOKBACK_MINUTES}; the tap emits the window's records again; "
        "0: off)"),
    Key("verify_every", _REPLICATION, Duration(timedelta(days=31)), DEFAULT_VERIFY_EVERY,
        "With it (1d, 12h, 30m...), a run asks the audit trail once what changed and reads "
        "only those objects, each still checked as before that often (default 1d); 0: "
        "every object asked every run.",
        _USER | {_TENANT}),
    Key("timeout_s", _TUNING, Seconds(3600), 300.0,
        "Each try's whole answer (default 300: a wide page streams for minutes).",
        _EVERYWHERE, about="seconds per request"),
    Key("first_byte_timeout_s", _TUNING, Seconds(3600), 60.0,
        "A silent gateway, every try of a request together (default 60).", _EVERYWHERE,
        about="seconds a request's tries together wait for a silent gateway's first byte "
        "(default 60)"),
    Key("timezone", _CONNECTION, Zone(), "",
        "The Web Services user's IANA time zone (America/Los_Angeles): needed where it has "
        "daylight saving time, so timestamps decode right all year.", _EVERYWHERE,
        about="the Web Services user's IANA time zone, e.g. America/Los_Angeles (where it "
        "has daylight saving time: timestamps decode right all year)"),
    Key("max_retries", _TUNING, Integer(0, 20), 5, "Default 5.", _EVERYWHERE),
    Key("entity_ids", _REPLICATION, Entities(), (),
        "Entities to read, each in its own session: E100,E200 or all.",
        _EVERYWHERE,
        about="entities to read, each in its own session: a list, or 'all'"),
    Key("api", _REPLICATION, Choice(("auto", "xml", "rest")), "auto",
        "Which API reads and writes records: auto (default: REST where it holds every "
        "field and costs fewer API transactions, else XML), xml, or rest.",
        _SINGER | _USER | {_TENANT}, also=frozenset({_WRITES}),
        about={
            _TAP: "which API reads the objects both APIs serve: auto (default: REST where "
            "it holds every selected field and costs fewer API transactions, else XML), "
            "xml, or rest (the OAuth app's client_id and client_secret; "
            "fields REST lacks stay empty); objects only REST has are read through REST",
            _TARGET: "which API writes records: auto (default: XML, whose control ids "
            "refuse a replay), xml, or rest (batches of 500 under an idempotency key, "
            "bulk jobs from bulk_from records; the OAuth app's client_id and "
            "client_secret; a field REST cannot write makes its record invalid)",
        }),
    Key("unified_schema", _REPLICATION, Flag(), False,
        "Also hotglue's unified tables (true/false).", _SINGER | _USER,
        about="emit hotglue's unified tables"),
    Key("batch_size", _WRITES, Integer(1, MAX_FUNCTIONS), MAX_FUNCTIONS,
        "Records per request.", frozenset({_TARGET}),
        about=f"records per request, 1..{MAX_FUNCTIONS} (default {MAX_FUNCTIONS})"),
    Key("transaction", _WRITES, Flag(), False, "Each request all or nothing.",
        frozenset({_TARGET}),
        about="each request all or nothing: one failed record rolls back its batch"),
    Key("upsert", _WRITES, Flag(), True,
        "Match records on their id field or RECORDNO before writing.", frozenset({_TARGET}),
        about="update records whose id field or RECORDNO exists, create the others "
        "(default true)"),
    Key("bulk_from", _WRITES, Integer(0, 10_000_000), 0,
        "With api rest, records of one action at which a batch goes as one bulk job "
        "(0: never).", frozenset({_TARGET}),
        about="with api rest: records of one action and entity, gathered in one drain, "
        "from which they go as one asynchronous bulk job instead of batches of 500 "
        "(default 0: never; Sage's bulk service is in open beta)"),
    Key("report_path", _WRITES, FilePath(), DEFAULT_REPORT_PATH,
        "The JSONL report of every record.", frozenset({_TARGET}),
        about=f"JSONL report, one line per record (default ./{DEFAULT_REPORT_PATH})"),
    Key("destination", _SYNC, Text(), None,
        "Where intacct sync writes unless --db is given: a DuckDB path or "
        "postgresql://USER@HOST/DB[?schema=NAME] (the password from PGPASSWORD or ~/.pgpass).",
        _USER | {_TENANT}),
    Key("lock_wait_s", _SYNC, Seconds(86400), DEFAULT_LOCK_WAIT_S,
        "How long intacct sync waits for a reader holding its DuckDB file (or a Postgres "
        "reader's transaction blocking a new column) before it gives up.", _USER),
    Key("snapshot", _SYNC, FilePath(), None,
        "A DuckDB copy intacct sync publishes after each run that stored a page, for "
        "readers that keep a connection open.", _USER),
    Key("history", _SYNC, History(), None,
        "Objects whose every version intacct sync keeps in <table>_history: true (all), a "
        "comma list, or false; remembered by the destination.", _USER | {_TENANT}),
    # not the connection's: INTACCT_SMART_EVENT_TOKEN beside a profile must not make the
    # environment the connection (cli/connection.py), and no client reads it
    Key("smart_event_token", _NOTICES, Text(strip=False), "",
        "The token your Smart Events' HTTP post bodies carry, which intacct notices serve "
        "checks (Intacct signs no Smart Event post); long and random.",
        _USER, secret=True),
)  # fmt: skip

_DEFAULTS = {k.name: k.default for k in KEYS}
