"""The tenant list: the companies of a fleet, read from a YAML or TOML file.

Each tenant names its company, its entities, its concurrency limit, its objects and its
destination; credentials are **references** only: ``{env: NAME}`` (an environment
variable) or ``{keyring: {service: S, username: U}}`` (the OS secret store). A password
written into the file is refused, so the file can live in version control. ``defaults``
gives every tenant the keys it does not set (the sender, the API URL).

    defaults:
      api_url: https://api.intacct.com/ia/xml/xmlgw.phtml
      sender_id: acme_sender
      sender_password: {env: INTACCT_SENDER_PASSWORD}
    tenants:
      - company_id: CLIENT-1
        user_id: ws_user
        user_password: {env: CLIENT_1_PASSWORD}
        entity_ids: [E100, E200]
        concurrency: 2
        objects: [VENDOR, GLACCOUNT]
        destination: {env: CLIENT_1_DB_URL}   # default: <folder>/CLIENT-1.duckdb
        budget: 5000                          # API transactions per run (optional)
        entitlement: 100000                   # the company's API transactions a month
        share: 0.2                            # this connector's share of them
        api: auto                             # the runs' settings, as intacct sync's
        history: [GLDETAIL, VENDOR]           # every version kept (docs/history.md)

A tenant with ``auth_type: oauth`` names its app instead of a user password
(``client_id``, ``client_secret: {env: ...}``): its client credentials sign ``user_id`` in,
for the REST API and the XML sessions alike, and the access token is kept between runs
under the data folder (:meth:`Tenant.oauth`).

A destination may name its company with ``{company_id}``, so one line in ``defaults``
gives each tenant its own: ``postgresql://etl@db/warehouse?schema=intacct_{company_id}``
or ``/data/{company_id}.duckdb``. Two tenants that resolve to one destination are
refused when the file is read (their state, runs and rows would mix): a destination
holds one company. A reference that does not resolve where the file is read (a keyring,
a variable set only on the run workers) is compared where it does.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

from intacct.client.gateway import OAuth
from intacct.client.oauth import ClientCredentials, OAuthApp, TokenFile
from intacct.config import SECRETS, ClientConfig, Surface, keys_on
from intacct.destinations import is_dlt
from intacct.destinations.locations import display_url, is_postgres, split_url
from intacct.errors import ConfigError, IntacctError
from intacct.sync import SyncSettings
from intacct.sync.budget import Entitlement

__all__ = ["Tenant", "TenantError", "load_tenants"]

#: under the fleet's data folder: the OAuth access tokens of tenants with auth_type oauth
TOKENS_FOLDER = ".tokens"
#: how a destination names its tenant's company (see the module docstring)
COMPANY_FIELD = "{company_id}"
#: the table's keys a tenant takes (intacct.config.keys: Surface.TENANT), the client's
#: read as its connection, the others (entity_ids, destination) by the rules below
_TABLE = {k.name for k in keys_on(Surface.TENANT)}
_CONNECTION = {k.name for k in keys_on(Surface.TENANT) if k.client}
#: the table's keys a tenant's runs read (api, history...), the ones with rules of their
#: own aside
_RUNS = _TABLE - _CONNECTION - {"entity_ids", "destination"}
#: a tenant's own keys, not the table's
_OWN = {"concurrency", "objects", "budget", "entitlement", "share"}
_FORMS = "{env: NAME} or {keyring: {service: S, username: U}}"


class TenantError(ConfigError):
    """A tenant the file cannot give a connection: names the tenant and the key."""

    def __init__(self, tenant: str, key: str, problem: str) -> None:
        IntacctError.__init__(self, f"tenant {tenant}: {key}: {problem}")
        self.key, self.problem, self.tenant = key, problem, tenant


@dataclass(frozen=True)
class Tenant:
    """One company of the fleet, as the file says; secrets still as references."""

    company_id: str
    settings: Mapping[str, Any]  # connection keys, references unresolved
    entity_ids: tuple[str, ...] = ()
    #: what its runs read beside the connection (``api``, ``history``), as given
    options: Mapping[str, Any] = field(default_factory=dict)
    concurrency: int = 2
    objects: tuple[str, ...] = ()  # empty: every object of the fleet's assets
    #: a DuckDB path, a Postgres URL (with a password: only as a reference), or a
    #: reference; empty: <folder>/<company_id>.duckdb
    destination: Any = ""
    #: API transactions one run may bill the company (None: no cap); the run stops
    #: before the request that would exceed it, its pages and state kept
    budget: int | None = None
    #: the company's monthly entitlement and this connector's share: a run may bill at
    #: most entitlement x share less what the month's recorded runs billed (sync.budget)
    entitlement: Entitlement | None = None

    def connection(self) -> ClientConfig:
        """The client's config with every reference resolved (a TenantError names the
        tenant and the key, or the missing variable or secret); max_concurrency is the
        tenant's limit, so the engine never has more requests in flight for the company."""
        values = {k: _resolve(self.company_id, k, v) for k, v in self.settings.items()}
        values["company_id"] = self.company_id
        values["max_concurrency"] = self.concurrency
        try:
            return ClientConfig.from_mapping(values)
        except ConfigError as exc:
            raise TenantError(self.company_id, exc.key, exc.problem) from None

    def oauth(self, config: ClientConfig, folder: str | Path) -> OAuth | None:
        """``auth_type`` oauth: the app's client credentials sign ``user_id`` in, the
        access token kept between runs in ``<folder>/.tokens/`` (mode 0600, written
        whole), one file per company, app and user, so a changed tenant never signs in
        with another's token; never in the destination, the state or the logs."""
        if config.auth_type != "oauth":
            return None
        app = OAuthApp(config.client_id, config.client_secret, config.rest_url)
        who = hashlib.sha256(f"{app.client_id}\n{config.oauth_username}".encode()).hexdigest()
        name = f"{quote(self.company_id, safe='')}.{who[:16]}.json"
        store = TokenFile(Path(folder) / TOKENS_FOLDER / name)
        return OAuth(app, store, ClientCredentials(config.oauth_username))

    def sync_settings(self, config: ClientConfig, objects: Sequence[str]) -> SyncSettings:
        """What a run of ``objects`` reads: the tenant's entities, at the page size its
        connection (``config``) gives."""
        values = {**self.settings, **self.options, "entity_ids": list(self.entity_ids)}
        try:
            return SyncSettings.from_mapping(values, config, objects=objects)
        except ConfigError as exc:
            raise TenantError(self.company_id, exc.key, exc.problem) from None

    def destination_at(self, folder: str | Path) -> str | Path:
        """Where the company's data and state go: a DuckDB file or a Postgres URL, with
        a reference resolved."""
        if not self.destination:
            return Path(folder) / f"{self.company_id}.duckdb"
        where = self._filled(str(_resolve(self.company_id, "destination", self.destination)))
        return where if is_postgres(where) else Path(where)

    def _filled(self, where: str) -> str:
        """``where`` with its ``{company_id}`` (URL-quoted in a URL)."""
        url = is_postgres(where) or is_dlt(where)
        return where.replace(
            COMPANY_FIELD, quote(self.company_id, safe="") if url else self.company_id
        )

    def place(self) -> tuple[tuple[str, ...], str] | None:
        """What identifies the destination (Postgres: host, port, database, schema; a
        DuckDB file: its absolute path) and how to show it; None for the default file of
        its own or a reference that does not resolve here (a keyring's is not read)."""
        value = self.destination
        if isinstance(value, dict):
            value = os.environ.get(str(value.get("env", ""))) or None
        if not value:
            return None
        where = self._filled(str(value))
        if is_postgres(where):
            url, schema = split_url(where)
            parts = urlsplit(url)
            database = parts.path.lstrip("/")
            host = (parts.hostname or "").lower()
            return ("postgres", host, str(parts.port or 5432), database, schema), display_url(where)
        if is_dlt(where):
            return ("dlt", where), where
        path = str(Path(where).expanduser().resolve())
        return ("duckdb", path), path


def load_tenants(path: str | Path) -> dict[str, Tenant]:
    """The tenants of the file at ``path`` (``.toml``, else YAML), by company id."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            "tenants", f"cannot read the tenant list {path}: {exc.strerror}"
        ) from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError("tenants", f"{path} is not valid {_kind(path)}: {first}") from None
    if not isinstance(data, dict) or not isinstance(data.get("tenants"), list):
        raise ConfigError("tenants", f"{path}: expected a 'tenants' list of companies")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError("defaults", f"{path}: 'defaults' must be a mapping")
    tenants: dict[str, Tenant] = {}
    for index, entry in enumerate(data["tenants"], 1):
        tenant = _tenant(index, {**defaults, **entry} if isinstance(entry, dict) else entry)
        if tenant.company_id in tenants:
            raise TenantError(tenant.company_id, "company_id", "listed twice")
        tenants[tenant.company_id] = tenant
    _one_company_each(tenants)
    return tenants


def _one_company_each(tenants: Mapping[str, Tenant]) -> None:
    """Refuse two tenants whose destinations resolve to one place."""
    seen: dict[tuple[str, ...], str] = {}
    for tenant in tenants.values():
        found = tenant.place()
        if found is None:
            continue
        place, shown = found
        if place in seen:
            raise TenantError(
                tenant.company_id,
                "destination",
                f"{shown} is tenant {seen[place]}'s destination too; a destination holds one "
                "company (their state, runs and rows would mix): give each its own, e.g. "
                f"?schema=intacct_{COMPANY_FIELD} or /data/{COMPANY_FIELD}.duckdb",
            )
        seen[place] = tenant.company_id


def _kind(path: Path) -> str:
    return "TOML" if path.suffix == ".toml" else "YAML"


def _tenant(index: int, entry: Any) -> Tenant:
    if not isinstance(entry, dict) or not entry.get("company_id"):
        raise ConfigError("company_id", f"tenant #{index} has no company_id")
    name = str(entry["company_id"])
    unknown = sorted(set(entry) - _OWN - _TABLE)
    if unknown:
        raise TenantError(name, unknown[0], f"unknown key {unknown[0]!r}")
    for key in SECRETS:
        if key in entry and not _is_reference(entry[key]):
            raise TenantError(name, key, f"must be a reference ({_FORMS}), never the secret itself")
    concurrency = entry.get("concurrency", 2)
    if not isinstance(concurrency, int) or not 1 <= concurrency <= 64:
        raise TenantError(name, "concurrency", f"must be a whole number 1-64, got {concurrency!r}")
    return Tenant(
        company_id=name,
        settings={k: v for k, v in entry.items() if k in _CONNECTION and k != "company_id"},
        entity_ids=_names(name, "entity_ids", entry.get("entity_ids")),
        options={k: v for k, v in entry.items() if k in _RUNS},
        concurrency=concurrency,
        objects=tuple(o.upper() for o in _names(name, "objects", entry.get("objects"))),
        destination=_destination(name, entry.get("destination") or ""),
        budget=_budget(name, entry.get("budget")),
        entitlement=_entitlement(name, entry.get("entitlement"), entry.get("share")),
    )


def _budget(tenant: str, value: Any) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise TenantError(
            tenant, "budget", f"must be a whole number of API transactions, got {value!r}"
        )
    return value


def _entitlement(tenant: str, transactions: Any, share: Any) -> Entitlement | None:
    if transactions is None:
        if share is not None:
            raise TenantError(tenant, "share", "is a share of entitlement; give both")
        return None
    try:
        return Entitlement(transactions, 1.0 if share is None else share)
    except ConfigError as exc:
        raise TenantError(tenant, exc.key, exc.problem) from None


def _destination(tenant: str, value: Any) -> Any:
    """A path, a URL without a password, or a reference."""
    if isinstance(value, dict):  # checked when resolved, as the connection's are
        return value
    if is_postgres(str(value)) and urlsplit(str(value)).password:
        raise TenantError(
            tenant, "destination", f"a URL with a password must be a reference ({_FORMS})"
        )
    return str(value)


def _names(tenant: str, key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TenantError(tenant, key, "must be a list of names")
    return tuple(value)


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and ("env" in value or "keyring" in value)


def _resolve(tenant: str, key: str, value: Any) -> Any:
    """A value, or what its reference points at."""
    if not isinstance(value, dict):
        return value
    if not _is_reference(value):
        raise TenantError(tenant, key, f"a reference is {_FORMS}")
    if "env" in value:
        found = os.environ.get(str(value["env"]))
        if not found:
            raise TenantError(tenant, key, f"environment variable {value['env']} is not set")
        return found
    return _keyring(tenant, key, value["keyring"])


def _keyring(tenant: str, key: str, where: Any) -> str:
    if not isinstance(where, dict) or not {"service", "username"} <= set(where):
        raise TenantError(tenant, key, "keyring needs service and username")
    import keyring  # the OS secret store; imported only by tenants that use it
    from keyring.errors import KeyringError

    try:
        found = keyring.get_password(str(where["service"]), str(where["username"]))
    except KeyringError as exc:
        raise TenantError(tenant, key, f"the secret store failed: {exc}") from None
    if not found:
        raise TenantError(
            tenant, key, f"no secret {where['username']!r} in service {where['service']!r}"
        )
    return found
