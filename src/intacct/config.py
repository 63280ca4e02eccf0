"""Connection settings, validated once at the edge into a frozen object.

Key names are the public contract (docs/ARCHITECTURE.md): the first six match hotglue's tap so
existing configs keep working. Every problem raises :class:`~intacct.errors.ConfigError`
naming the key; secrets never appear in ``repr`` or in error messages.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intacct.errors import ConfigError

__all__ = [
    "DEFAULT_API_URL",
    "ClientConfig",
    "check_variable_names",
    "parse_json_object",
    "parse_timestamp",
    "read_json_object",
]

DEFAULT_API_URL = "https://api.intacct.com/ia/xml/xmlgw.phtml"
REQUIRED = ("sender_id", "sender_password", "user_id", "user_password", "company_id")
SECRETS = ("sender_password", "user_password")


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything :class:`~intacct.client.IntacctClient` needs to reach one company."""

    sender_id: str
    sender_password: str = field(repr=False)
    user_id: str
    user_password: str = field(repr=False)
    company_id: str
    entity_id: str = ""
    api_url: str = DEFAULT_API_URL
    auth_type: str = "session"
    dtd_version: str = "3.0"
    page_size: int = 1000
    max_concurrency: int = 2
    #: each try's whole deadline, for an answer that has begun (a wide page streams
    #: for minutes)
    timeout_s: float = 300.0
    #: the longest a request waits for the first byte of an answer (connect included),
    #: its tries together: a gateway that takes connections and says nothing is given
    #: up on after this, not after every try's ``timeout_s``
    first_byte_timeout_s: float = 60.0
    max_retries: int = 5
    #: the Web Services user's IANA time zone (its preference in Intacct), so stamps
    #: decode right on both sides of daylight saving time; "" = only ``gmtoffset``
    timezone: str = ""

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, Any], *, allow: Collection[str] = ()
    ) -> ClientConfig:
        """Build from a tap/target/profile mapping. A key this class does not know is a
        ConfigError naming the near miss (a typo must not send credentials to the default
        URL); ``allow`` names the caller's own keys, accepted and ignored here. Empty
        strings count as missing."""
        known = {f.name for f in fields(cls)}
        _check_keys(values, known, set(allow))
        given = {k: v for k, v in values.items() if k in known and v not in (None, "")}
        for key in REQUIRED:
            if key not in given:
                raise ConfigError(key, "is required")
        kwargs: dict[str, Any] = {}
        for key, value in given.items():
            convert: Callable[[str, Any], Any] = _CONVERT.get(key, _string)
            kwargs[key] = convert(key, value)
        config = cls(**kwargs)
        config._validate()
        return config

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, prefix: str = "INTACCT_"
    ) -> ClientConfig:
        """Build from ``INTACCT_<KEY>`` variables (upper-case key names)."""
        env = os.environ if environ is None else environ
        check_variable_names(env, prefix)
        values = {f.name: env.get(prefix + f.name.upper()) for f in fields(cls)}
        return cls.from_mapping(values)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values a log redactor must blank out wherever they appear."""
        return tuple(getattr(self, key) for key in SECRETS)

    def _validate(self) -> None:
        url = urlsplit(self.api_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigError("api_url", f"must be an http(s) URL, got {self.api_url!r}")
        if self.auth_type not in ("session", "login"):
            raise ConfigError("auth_type", f"must be 'session' or 'login', got {self.auth_type!r}")
        if self.dtd_version not in ("3.0", "2.1"):
            raise ConfigError("dtd_version", f"must be '3.0' or '2.1', got {self.dtd_version!r}")
        _check_range("page_size", self.page_size, 1, 2000)
        _check_range("max_concurrency", self.max_concurrency, 1, 64)
        _check_range("max_retries", self.max_retries, 0, 20)
        for key in ("timeout_s", "first_byte_timeout_s"):
            seconds = getattr(self, key)
            if not 0 < seconds <= 3600:
                raise ConfigError(key, f"must be in (0, 3600] seconds, got {seconds}")
        if self.timezone:
            self.zone()  # raises naming the key

    def zone(self) -> ZoneInfo | None:
        """``timezone`` as a zone (None when not given); ConfigError naming the key."""
        if not self.timezone:
            return None
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                "timezone",
                f"{self.timezone!r} is not an IANA time zone name such as "
                "'America/Los_Angeles' (the Web Services user's time zone in Intacct)",
            ) from None


def read_json_object(path: str | os.PathLike[str], option: str) -> dict[str, Any]:
    """The JSON object in the file at ``path``, given as ``option`` (``--config``,
    ``--state``...); a ConfigError naming the option, the file and what is wrong with
    it otherwise (missing, unreadable, not JSON, not an object)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(option, f"{os.fspath(path)}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(option, f"{os.fspath(path)}: is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(option, f"{os.fspath(path)}: {problem}") from None
    return parse_json_object(text, option, os.fspath(path))


def parse_json_object(text: str, option: str, name: str) -> dict[str, Any]:
    """``text``, the content of the file ``name`` given as ``option``, as a JSON object;
    a ConfigError naming them otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(option, f"{name}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else type(value).__name__
        raise ConfigError(option, f"{name}: must hold a JSON object, not {kind}")
    return value


def check_variable_names(
    environ: Mapping[str, str], prefix: str = "INTACCT_", extra: Collection[str] = ()
) -> None:
    """A ``prefix`` variable a letter or two off a config key (or one of ``extra``) is a
    ConfigError naming the near miss; unrelated ``INTACCT_*`` variables are fine."""
    names = {prefix + key.upper() for key in [*(f.name for f in fields(ClientConfig)), *extra]}
    for variable in environ:
        if variable.startswith(prefix) and variable not in names:
            near = difflib.get_close_matches(variable, sorted(names), n=1, cutoff=0.85)
            if near:
                raise ConfigError(variable, f"unknown variable; did you mean {near[0]}?")


def _check_keys(values: Mapping[str, Any], known: set[str], allowed: set[str]) -> None:
    for key in values:
        if not isinstance(key, str):
            raise ConfigError(repr(key), "config keys must be strings")
        if key in known or key in allowed:
            continue
        near = difflib.get_close_matches(key, sorted(known | allowed), n=1, cutoff=0.75)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ConfigError(key, f"unknown key{hint}")


def _check_range(key: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ConfigError(key, f"must be between {low} and {high}, got {value}")


def _string(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, f"must be a string, got {type(value).__name__}")
    return value.strip() if key not in SECRETS else value


def _integer(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(key, f"must be an integer, got {type(value).__name__}")
    try:
        return int(value)
    except ValueError:
        raise ConfigError(key, f"must be an integer, got {value!r}") from None


def parse_integer(key: str, value: Any, low: int, high: int) -> int:
    """An integer (or its digits as text) within [low, high] (ConfigError naming ``key``)."""
    number = _integer(key, value)
    _check_range(key, number, low, high)
    return number


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(key, f"must be a number, got {type(value).__name__}")
    try:
        return float(value)
    except ValueError:
        raise ConfigError(key, f"must be a number, got {value!r}") from None


def parse_timestamp(key: str, value: Any) -> datetime:
    """An ISO-8601 date or timestamp; naive means UTC (ConfigError naming ``key``)."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(
                key, f"must be an ISO-8601 date or timestamp, got {value!r}"
            ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _version(key: str, value: Any) -> str:
    return _string(key, str(value))  # YAML and JSON configs may give the number 3.0


_CONVERT: dict[str, Callable[[str, Any], Any]] = {
    "page_size": _integer,
    "max_concurrency": _integer,
    "max_retries": _integer,
    "timeout_s": _number,
    "first_byte_timeout_s": _number,
    "dtd_version": _version,
}
