"""The client's settings, validated once at the edge into a frozen object.

Its keys and how each is read are the table's (:mod:`intacct.config.keys`: the owners
``CONNECTION`` and ``TUNING``). Every problem raises :class:`~intacct.errors.ConfigError`
naming the key; secrets never appear in ``repr`` or in error messages.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from intacct.config.keys import ENV_PREFIX, Owner
from intacct.config.parsers import zone_of
from intacct.config.reading import check_keys, check_variable_names, owned_by, read
from intacct.errors import ConfigError

__all__ = ["ClientConfig"]

_KEYS = owned_by(Owner.CONNECTION, Owner.TUNING)
#: the client's own secrets (other owners have theirs: a Smart Event token)
_SECRETS = tuple(k.name for k in _KEYS if k.secret)


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything :class:`~intacct.client.IntacctClient` needs to reach one company;
    built by :meth:`from_mapping` (the defaults are the table's)."""

    sender_id: str
    sender_password: str = field(repr=False)
    user_id: str
    user_password: str = field(repr=False)
    company_id: str
    entity_id: str
    api_url: str
    auth_type: str
    #: the OAuth 2 app (auth_type "oauth": client credentials, the REST API)
    client_id: str
    client_secret: str = field(repr=False)
    dtd_version: str
    page_size: int
    max_concurrency: int
    #: each try's whole deadline, for an answer that has begun (a wide page streams
    #: for minutes)
    timeout_s: float
    #: the longest a request waits for the first byte of an answer (connect included),
    #: its tries together: a gateway that takes connections and says nothing is given
    #: up on after this, not after every try's ``timeout_s``
    first_byte_timeout_s: float
    #: the Web Services user's IANA time zone (its preference in Intacct), so stamps
    #: decode right on both sides of daylight saving time; "" = only ``gmtoffset``
    timezone: str
    max_retries: int

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, Any], *, allow: Collection[str] = ()
    ) -> ClientConfig:
        """Build from a tap/target/profile mapping. A key this class does not know is a
        ConfigError naming the near miss (a typo must not send credentials to the default
        URL); ``allow`` names the caller's own keys, accepted and ignored here. Empty
        strings count as missing."""
        check_keys(values, {k.name for k in _KEYS} | set(allow))
        for key in _KEYS:
            if values.get(key.name) in (None, "") and key.needed(values):
                said = f" with {key.when[0]} {key.when[1]}" if key.when else ""
                raise ConfigError(key.name, f"is required{said}")
        return cls(**read(values, Owner.CONNECTION, Owner.TUNING))

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, prefix: str = ENV_PREFIX
    ) -> ClientConfig:
        """Build from ``INTACCT_<KEY>`` variables (upper-case key names)."""
        env = os.environ if environ is None else environ
        check_variable_names(env, prefix)
        return cls.from_mapping({k.name: env.get(prefix + k.name.upper()) for k in _KEYS})

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values a log redactor must blank out wherever they appear."""
        return tuple(getattr(self, key) for key in _SECRETS)

    @property
    def rest_url(self) -> str:
        """The REST API's base beside the gateway (``/ia/api/v1`` on its host)."""
        parts = urlsplit(self.api_url)
        return f"{parts.scheme}://{parts.netloc}/ia/api/v1"

    @property
    def oauth_username(self) -> str:
        """Who client credentials sign in: ``user@company`` or ``user@company|entity``."""
        login = f"{self.user_id}@{self.company_id}"
        return f"{login}|{self.entity_id}" if self.entity_id else login

    def zone(self) -> ZoneInfo | None:
        """``timezone`` as a zone (None when not given); ConfigError naming the key."""
        return zone_of("timezone", self.timezone) if self.timezone else None
