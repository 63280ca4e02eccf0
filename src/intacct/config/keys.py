"""Every setting a user can give, declared once (docs/ARCHITECTURE.md, "Config keys").

Each :class:`Key` says who reads it (its :class:`Owner`: the settings object it lands
in), how its value is read (its parser), its default, whether it is a secret, a line
for people, where users may give it (its :class:`Surface` set) and what it does (its
guide). Everything else is built from :data:`KEYS`: what
:class:`~intacct.config.ClientConfig`, ``ReplicationSettings`` and the target's
``WriteOptions`` read, the tap's and the target's ``--about`` schemas, the profile keys
and ``intacct profiles add``'s options, the ``INTACCT_*`` variables, the tenant file's
keys (``tests/test_settings_keys.py`` holds every surface to it) and the configuration
reference, docs/configuration.md (:mod:`intacct.config.reference`).
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
    "DEFAULT_DDS_MAX_WAIT_S",
    "DEFAULT_DDS_MIN_RECORDS",
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
#: [U] the records from which a DDS job pays: at 2,000 a page by query, 100,000 records
#: are 50 API transactions against a job's ~3 (runDdsJob and its polls), while a job
#: waits in Intacct's queue for minutes that paging so few records does not take
DEFAULT_DDS_MIN_RECORDS = 100_000
#: [U] how long a DDS job is waited for before the stream stops (the job goes on in
#: Intacct; the next run waits for that same job): Sage publishes no job's duration; a
#: large export is said to take minutes to hours, so four hours, as the client's default
DEFAULT_DDS_MAX_WAIT_S = 4 * 3600.0
#: the longest wait the key takes: a week
_MAX_DDS_WAIT_S = 7 * 86400
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
    #: what it does, for people who configure it: the configuration reference
    #: (docs/configuration.md, written by ``python -m intacct.config.reference``)
    guide: str = ""

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
# secret=, required=, title=, about=, guide=), and the field it lands in on its owner's
# settings object (tests/test_settings_keys.py checks every surface against this table;
# tests/test_config_reference.py that docs/configuration.md is written from it). The
# order is the --about order, so meltano.yml's, and the profiles add options'.
KEYS: tuple[Key, ...] = (
    # the first six are hotglue's tap's names, so its configs keep working
    Key("sender_id", _CONNECTION, Text(), None, "The Web Services Sender ID.",
        _EVERYWHERE, required=True, title="Web Services sender ID",
        guide="The Web Services Sender ID Sage issued you. The company must authorize it: "
        "Company > Setup > Company > Security > Web Services authorizations."),
    Key("sender_password", _CONNECTION, Text(strip=False), None, _PROMPTED,
        _EVERYWHERE, secret=True, required=True,
        guide="The Sender ID's password."),
    Key("user_id", _CONNECTION, Text(), None, "A Web Services user of the company.",
        _EVERYWHERE, required=True, title="Web Services user ID",
        guide="A Web Services user of the company (user type \"Web Services user\" under Company "
        "> Admin > Users). With `auth_type` `oauth`, the user the OAuth app signs in."),
    Key("user_password", _CONNECTION, Text(strip=False), None, _PROMPTED,
        _EVERYWHERE, secret=True, required=True, unless=_OAUTH,
        guide="The Web Services user's password. Not needed with `auth_type` `oauth`."),
    Key("company_id", _CONNECTION, Text(), None, "As in Company > Setup > Company information.",
        _EVERYWHERE, required=True,
        guide="The company's ID, as in Company > Setup > Company information."),
    Key("entity_id", _CONNECTION, Text(), "", "An entity's Location ID; empty: top level.",
        _SINGER | _USER, about={
            _TAP: "Location ID of the entity to log in to; empty = top level",
            _TARGET: "Location ID of the entity to write into; empty = top level",
        },
        guide="The entity to sign in to, by its Location ID; empty signs in at the top level. "
        "To read several entities, each in its own session, use `entity_ids`."),
    Key("api_url", _CONNECTION, Url(), DEFAULT_API_URL, "The gateway's URL.", _EVERYWHERE,
        guide="The XML gateway's URL. The REST API is reached beside it (`/ia/api/v1` on the "
        "same host), so pointing it at `intacct emulator serve` moves both APIs."),
    Key("auth_type", _CONNECTION, Choice(("session", "login", "oauth")), "session",
        "Default: session; oauth: the OAuth app's client credentials sign user_id in "
        "(no user password), or a person's consent (--consent), for the REST API and XML "
        "sessions alike.", _EVERYWHERE,
        about="session (default), login, or oauth: the OAuth app (client_id, client_secret) "
        "signs user_id in by client credentials, for the REST API and XML sessions alike",
        guide="How the connection signs in: `session` (the default) opens an API session with "
        "the user's password and reuses it; `login` sends the credentials with every "
        "request; `oauth` lets the OAuth app's client credentials sign `user_id` in, "
        "without a user password, or a person's consent (`intacct profiles add "
        "--consent`), for the REST API and XML sessions alike."),
    Key("client_id", _CONNECTION, Text(), "", "The OAuth 2 app's client ID (auth_type oauth).",
        _EVERYWHERE, when=_OAUTH, about="OAuth 2 app's client ID (auth_type oauth)",
        guide="The OAuth 2 app's client ID. With `client_secret` it opens Sage's REST API for "
        "the same user: `--api rest`, the objects only REST has, and the verification of "
        "webhook deliveries. Required with `auth_type` `oauth`."),
    Key("client_secret", _CONNECTION, Text(strip=False), "",
        "The OAuth 2 app's client secret (auth_type oauth); prompted (hidden) when neither it "
        "nor -env is given.",
        _EVERYWHERE, secret=True, when=_OAUTH,
        about="OAuth 2 app's client secret (auth_type oauth)",
        guide="The OAuth 2 app's client secret. Required with `auth_type` `oauth`."),
    Key("dtd_version", _CONNECTION, Choice(("3.0", "2.1")), "3.0", "Default: 3.0.",
        _SINGER | _USER,
        about={_TARGET: "2.1 writes with the legacy create_<object>/update_/delete_ functions"},
        guide="The XML API's version: `3.0` (the default) or `2.1`. With `2.1` the target "
        "writes with the legacy `create_<object>`, `update_` and `delete_` functions; "
        "look-ups still use 3.0."),
    Key("start_date", _REPLICATION, Timestamp(), None,
        "A first sync reads what changed since then (ISO 8601).", _SINGER | _USER,
        about="a first run reads what changed since then (records without WHENMODIFIED too)",
        guide="A first run reads only what changed since then (ISO 8601; without an offset, "
        "UTC), records without WHENMODIFIED too. Unset, a first run reads everything."),
    Key("page_size", _TUNING, Integer(1, 2000), 1000,
        f"Records per page; intacct sync reads {DEFAULT_PAGE_SIZE} (query's largest) unless set.",
        _USER | {_TAP, _TENANT},
        about=f"records per page (default {DEFAULT_PAGE_SIZE})",
        guide="Records per page. `intacct sync` and the tap read 2000, the largest page a query"
        " takes, unless it is set; the library's client reads 1000 (readByQuery's "
        "largest)."),
    Key("max_concurrency", _TUNING, Integer(1, 64), 2,
        "Requests in flight for the company (default 2: Intacct's base tier).", _SINGER | _USER,
        about={_TAP: "requests in flight for the whole run (default 2, Intacct's base tier)"},
        guide="Requests in flight for the company at once (default 2, Intacct's base "
        "performance tier; a paid tier allows more). A tenant file gives it as "
        "`concurrency`."),
    Key("lookback_minutes", _REPLICATION, Integer(0, MAX_LOOKBACK_MINUTES),
        DEFAULT_LOOKBACK_MINUTES, f"Late writes: default {DEFAULT_LOOKBACK_MINUTES}.",
        _SINGER | _USER,
        about="re-read this window behind each bookmark, for writes Intacct makes visible "
        f"late (default {DEFAULT_LOOKBACK_MINUTES}; the tap emits the window's records again; "
        "0: off)",
        guide="How far behind each bookmark a run looks again, for writes Intacct makes visible"
        " late (default 120; 0 turns it off). `intacct sync` lists the window and reads "
        "in full only the records the destination lacks or holds in another version; the "
        "tap emits the window's records again."),
    Key("verify_every", _REPLICATION, Duration(timedelta(days=31)), DEFAULT_VERIFY_EVERY,
        "With it (1d, 12h, 30m...), a run asks the audit trail once what changed and reads "
        "only those objects, each still checked as before that often (default 1d); 0: "
        "every object asked every run.",
        _USER | {_TENANT},
        guide="How often each object is still checked as before. Between checks a run asks the "
        "audit trail once what changed and reads only the objects it names, so a company "
        "where nothing changed costs one API transaction a run. Default `1d`; `12h`, "
        "`30m` or seconds also work; `0` checks every object every run and never asks."),
    Key("timeout_s", _TUNING, Seconds(3600), 300.0,
        "Each try's whole answer (default 300: a wide page streams for minutes).",
        _EVERYWHERE, about="seconds per request",
        guide="Seconds one try of a request may take to bring its whole answer (default 300: a "
        "page of a wide object can stream for minutes). `intacct objects`, `describe`, "
        "`query` and `doctor` give a request 60 s unless it is set."),
    Key("first_byte_timeout_s", _TUNING, Seconds(3600), 60.0,
        "A silent gateway, every try of a request together (default 60).", _EVERYWHERE,
        about="seconds a request's tries together wait for a silent gateway's first byte "
        "(default 60)",
        guide="Seconds a silent gateway is waited for, connecting included, the tries of a "
        "request together (default 60); once spent, the request is not tried again."),
    Key("timezone", _CONNECTION, Zone(), "",
        "The Web Services user's IANA time zone (America/Los_Angeles): needed where it has "
        "daylight saving time, so timestamps decode right all year.", _EVERYWHERE,
        about="the Web Services user's IANA time zone, e.g. America/Los_Angeles (where it "
        "has daylight saving time: timestamps decode right all year)",
        guide="The Web Services user's IANA time zone, such as `America/Los_Angeles`. Set it "
        "where that zone has daylight saving time: without it timestamps are decoded with"
        " the offset Intacct reports today, so those stamped in the other season are an "
        "hour off (nothing is lost). `intacct doctor` checks it."),
    Key("max_retries", _TUNING, Integer(0, 20), 5, "Default 5.", _EVERYWHERE,
        guide="Tries after the first for a request that failed on the way (a 5xx, a dropped "
        "connection, throttling): default 5, so at most 6 tries, with a backoff of up to "
        "8 s between them. A write is sent again with the same control ids, never applied"
        " twice."),
    Key("entity_ids", _REPLICATION, Entities(), (),
        "Entities to read, each in its own session: E100,E200 or all.",
        _EVERYWHERE,
        about="entities to read, each in its own session: a list, or 'all'",
        guide="Entities to read, each in its own session: a list, a comma list (`E100,E200`) or"
        " `all`. Empty: the configured entity alone. Every record carries the entity that"
        " read it in `_entity_id`."),
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
        },
        guide="Which API reads the objects both APIs serve: `auto` (the default) reads through "
        "REST only where REST holds every field asked and costs fewer API transactions, "
        "else XML; `xml`; or `rest` (needs the OAuth app; fields REST lacks stay empty). "
        "The target reads it too, as which API writes (`auto` writes through XML). "
        "Objects only REST has go through REST whatever it says."),
    Key("dds_target", _REPLICATION, Text(), "",
        "The company's DDS cloud storage target, by its name in Intacct; empty: DDS unused.",
        _USER | {_TENANT},
        guide="The name of the cloud storage target the company defined for Sage's Data "
        "Delivery Service (a paid subscription; Company > Setup > Cloud storage targets). Set, "
        "a first read (or `--full-refresh`) of an object DDS serves with at least "
        "`dds_min_records` records is exported by one DDS job and loaded from its CSV files "
        "instead of paged; `--dry-run` shows which. Empty (the default): DDS is never used. "
        "The files are read with the storage's own credentials, from the environment or the "
        "cloud's usual chain (`AWS_*`, a profile, an instance role; `AZURE_STORAGE_*`), "
        "never from a key."),
    Key("dds_storage", _REPLICATION, Choice(("s3", "azure")), "s3",
        "What the DDS target writes to: s3 (Amazon S3 or its API) or azure (Blob Storage).",
        _USER | {_TENANT},
        guide="The kind of storage the DDS target writes to: `s3` (the default: Amazon S3 or a "
        "store speaking its API) or `azure` (Azure Blob Storage, read through adlfs; "
        "credentials from `AZURE_STORAGE_CONNECTION_STRING`, `AZURE_STORAGE_ACCOUNT_KEY`, "
        "`AZURE_STORAGE_SAS_TOKEN`, a service principal or azure-identity's chain)."),
    Key("dds_bucket", _REPLICATION, Text(), "",
        "The DDS target's bucket (S3) or container (Azure).",
        _USER | {_TENANT},
        guide="The bucket (S3) or container (Azure) the DDS target writes to, as defined in "
        "Intacct. Needed with `dds_target`; without it DDS is not used (the dry run says so)."),
    Key("dds_prefix", _REPLICATION, Text(), "",
        "The DDS target's folder in its bucket (its path prefix).",
        _USER | {_TENANT},
        guide="The folder (path prefix) inside the bucket where the DDS target writes, as "
        "defined in Intacct; the job's file names are read from there."),
    Key("dds_endpoint_url", _REPLICATION, Url(), "",
        "A store other than the cloud's own (an S3-compatible one); empty: the cloud's.",
        _USER | {_TENANT},
        guide="The storage's URL where it is not the cloud's own: an S3-compatible store "
        "(MinIO, moto in the tests) or an Azure account's blob endpoint (Azurite's "
        "`http://127.0.0.1:10000/<account>`). Empty: Amazon S3 (or the Azure account's "
        "`https://<account>.blob.core.windows.net`)."),
    Key("dds_region", _REPLICATION, Text(), "",
        "The S3 bucket's region; empty: the credential chain's.",
        _USER | {_TENANT},
        guide="The S3 bucket's region (`us-east-1`...). Empty: the one botocore's chain finds "
        "(`AWS_REGION`, the profile)."),
    Key("dds_account_name", _REPLICATION, Text(), "",
        "The Azure storage account of the DDS container (dds_storage azure).",
        _USER | {_TENANT},
        guide="With `dds_storage` `azure`, the storage account holding the container "
        "(empty: `AZURE_STORAGE_ACCOUNT_NAME`, or the connection string's)."),
    Key("dds_min_records", _REPLICATION, Integer(1, 10**12), DEFAULT_DDS_MIN_RECORDS,
        "A read of at least this many records goes through DDS (default 100000).",
        _USER | {_TENANT},
        guide="With `dds_target`, a first read (or `--full-refresh`) of an object DDS serves "
        "goes through one DDS job when its count reaches this many records (default "
        "100,000: 50 pages of 2,000 by query against about 3 API transactions and a job's "
        "few minutes of waiting); smaller objects are paged as before. A later run's "
        "changes go through a DDS change job only when as many records changed."),
    Key("dds_max_wait_s", _REPLICATION, Seconds(_MAX_DDS_WAIT_S), DEFAULT_DDS_MAX_WAIT_S,
        "Seconds a DDS job is waited for before the object stops (default 14400: 4 h).",
        _USER | {_TENANT},
        guide="With `dds_target`, the seconds a run waits for a DDS job (polled after 5 s, "
        "then twice as long each time, up to every 5 minutes) before that object stops with "
        "an error naming the job (default 14,400: four hours; at most a week). The job goes "
        "on in Intacct and its RECORDNO stays in the state: the next run waits for that same "
        "job, never a second one."),
    Key("unified_schema", _REPLICATION, Flag(), False,
        "Also hotglue's unified tables (true/false).", _SINGER | _USER,
        about="emit hotglue's unified tables",
        guide="Also hotglue's unified accounting tables (`Accounts`, `Vendors`, `Bills`...). "
        "The tap emits them instead of a stream per object; `intacct sync` builds them "
        "beside the object tables, as `--unified` does."),
    Key("batch_size", _WRITES, Integer(1, MAX_FUNCTIONS), MAX_FUNCTIONS,
        "Records per request.", frozenset({_TARGET}),
        about=f"records per request, 1..{MAX_FUNCTIONS} (default {MAX_FUNCTIONS})",
        guide="Records per request the target writes (1 to 100, default 100)."),
    Key("transaction", _WRITES, Flag(), False, "Each request all or nothing.",
        frozenset({_TARGET}),
        about="each request all or nothing: one failed record rolls back its batch",
        guide="Each request all or nothing: one failed record rolls back its batch, whose other"
        " records are reported `rolled_back`. Not with `api` `rest`."),
    Key("upsert", _WRITES, Flag(), True,
        "Match records on their id field or RECORDNO before writing.", frozenset({_TARGET}),
        about="update records whose id field or RECORDNO exists, create the others "
        "(default true)",
        guide="Match records on their id field (or RECORDNO) before writing: found records are "
        "updated, the others created (default true); false creates them all."),
    Key("bulk_from", _WRITES, Integer(0, 10_000_000), 0,
        "With api rest, records of one action at which a batch goes as one bulk job "
        "(0: never).", frozenset({_TARGET}),
        about="with api rest: records of one action and entity, gathered in one drain, "
        "from which they go as one asynchronous bulk job instead of batches of 500 "
        "(default 0: never; Sage's bulk service is in open beta)",
        guide="With `api` `rest`: from this many records of one action and entity in one drain,"
        " they go as one job of Sage's bulk service instead of batches of 500 (default 0:"
        " never; the bulk service is in open beta)."),
    Key("report_path", _WRITES, FilePath(), DEFAULT_REPORT_PATH,
        "The JSONL report of every record.", frozenset({_TARGET}),
        about=f"JSONL report, one line per record (default ./{DEFAULT_REPORT_PATH})",
        guide="Where the target writes its JSONL report, one line per input record saying what "
        "happened to it (default `./target-report.jsonl`)."),
    Key("destination", _SYNC, Text(), None,
        "Where intacct sync writes unless --db is given: a DuckDB path or "
        "postgresql://USER@HOST/DB[?schema=NAME] (the password from PGPASSWORD or ~/.pgpass).",
        _USER | {_TENANT},
        guide="Where `intacct sync` writes when `--db` is not given: a DuckDB path, "
        "`postgresql://USER@HOST/DB[?schema=NAME]` (the password from `PGPASSWORD` or "
        "`~/.pgpass`) or `dlt:<destination>`. Unset: `./intacct.duckdb`. A tenant file's "
        "may name its company with `{company_id}`."),
    Key("lock_wait_s", _SYNC, Seconds(86400), DEFAULT_LOCK_WAIT_S,
        "How long intacct sync waits for a reader holding its DuckDB file (or a Postgres "
        "reader's transaction blocking a new column) before it gives up.", _USER,
        guide="Seconds `intacct sync` waits for a reader holding its DuckDB file, or for a "
        "Postgres reader's transaction that blocks a new column, before it gives up "
        "(default 600); a follower (`--follow`) says so and tries again."),
    Key("snapshot", _SYNC, FilePath(), None,
        "A DuckDB copy intacct sync publishes after each run that stored a page, for "
        "readers that keep a connection open.", _USER,
        guide="A DuckDB file `intacct sync` publishes a copy of its database in after each run "
        "that stored a page (one rename), for readers that keep a connection open. "
        "`--snapshot` gives it for one run."),
    Key("history", _SYNC, History(), None,
        "Objects whose every version intacct sync keeps in <table>_history: true (all), a "
        "comma list, or false; remembered by the destination.", _USER | {_TENANT},
        guide="Objects whose every version `intacct sync` keeps in `<table>_history`: true "
        "(every object a run reads), a comma list, or false. The destination remembers "
        "the choice; `--history` and `--no-history` set it for a run."),
    # not the connection's: INTACCT_SMART_EVENT_TOKEN beside a profile must not make the
    # environment the connection (cli/connection.py), and no client reads it
    Key("smart_event_token", _NOTICES, Text(strip=False), "",
        "The token your Smart Events' HTTP post bodies carry, which intacct notices serve "
        "checks (Intacct signs no Smart Event post); long and random.",
        _USER, secret=True,
        guide="The token your Smart Events' HTTP post bodies carry, which `intacct notices "
        "serve` checks (Intacct signs no Smart Event post): long and random. Without it, "
        "Smart Event posts are refused."),
)  # fmt: skip

_DEFAULTS = {k.name: k.default for k in KEYS}
