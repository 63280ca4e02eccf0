"""How a setting's value is read: each parser takes the key and the value a user gave
(JSON, YAML, TOML or an environment variable's text) and returns it typed, or raises a
:class:`~intacct.errors.ConfigError` naming the key. A parser's attributes (choices,
bounds) are also what the surfaces show: the Singer schemas, the ``profiles add``
options."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intacct.errors import ConfigError

__all__ = [
    "Choice",
    "Duration",
    "Entities",
    "FilePath",
    "Flag",
    "History",
    "Integer",
    "Parser",
    "Seconds",
    "Text",
    "Timestamp",
    "Url",
    "Zone",
    "parse_integer",
    "parse_timestamp",
    "zone_of",
]


class Parser:
    """Reads one key's value (subclasses say how)."""

    def __call__(self, key: str, value: Any) -> Any:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Text(Parser):
    """A string; ``strip`` False keeps it as given (a password may end in a space)."""

    strip: bool = True

    def __call__(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ConfigError(key, f"must be a string, got {type(value).__name__}")
        return value.strip() if self.strip else value


@dataclass(frozen=True, slots=True)
class Url(Parser):
    def __call__(self, key: str, value: Any) -> str:
        url = Text()(key, value)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(key, f"must be an http(s) URL, got {url!r}")
        return url


@dataclass(frozen=True, slots=True)
class Choice(Parser):
    """One of ``choices``; any value is read as its text (YAML and JSON may give the
    number 3.0 for "3.0")."""

    choices: tuple[str, ...]

    def __call__(self, key: str, value: Any) -> str:
        text = Text()(key, str(value))
        if text not in self.choices:
            *first, last = (repr(c) for c in self.choices)
            raise ConfigError(key, f"must be {', '.join(first)} or {last}, got {text!r}")
        return text


@dataclass(frozen=True, slots=True)
class Zone(Parser):
    """An IANA time zone name, kept as its name."""

    def __call__(self, key: str, value: Any) -> str:
        name = Text()(key, value)
        zone_of(key, name)
        return name


@dataclass(frozen=True, slots=True)
class Integer(Parser):
    low: int
    high: int

    def __call__(self, key: str, value: Any) -> int:
        return parse_integer(key, value, self.low, self.high)


@dataclass(frozen=True, slots=True)
class Seconds(Parser):
    """A duration in (0, ``high``] seconds."""

    high: float

    def __call__(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConfigError(key, f"must be a number, got {type(value).__name__}")
        try:
            seconds = float(value)
        except ValueError:
            raise ConfigError(key, f"must be a number, got {value!r}") from None
        if not 0 < seconds <= self.high:
            raise ConfigError(key, f"must be in (0, {self.high:g}] seconds, got {seconds}")
        return seconds


@dataclass(frozen=True, slots=True)
class Duration(Parser):
    """A span of time: a number of seconds, or a number with a unit (``30m``, ``12h``,
    ``1d``, ``90s``); 0 allowed (the key's doc says what it means), at most ``high``."""

    high: timedelta

    def __call__(self, key: str, value: Any) -> timedelta:
        if isinstance(value, timedelta):
            span = value
        elif isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConfigError(key, f"must be a duration (1d, 12h, 30m), got {type(value).__name__}")
        else:
            match = _DURATION.fullmatch(str(value).strip().lower())
            if match is None:
                said = f"must be a duration such as 1d, 12h, 30m or 0, got {value!r}"
                raise ConfigError(key, said)
            span = timedelta(seconds=float(match[1]) * _UNITS[match[2] or "s"])
        if not timedelta(0) <= span <= self.high:
            raise ConfigError(key, f"must be between 0 and {self.high}, got {span}")
        return span


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class Flag(Parser):
    """true or false (also 1/0, yes/no: environment variables are text)."""

    def __call__(self, key: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ConfigError(key, f"must be true or false, got {value!r}")


@dataclass(frozen=True, slots=True)
class History(Parser):
    """Which objects keep history: true (or ``all``) every object a run reads, false
    (or ``none``) none, else a list or comma list of objects; () is none."""

    def __call__(self, key: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, bool):
            return ("all",) if value else ()
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(key, "must be true, false, 'all' or a list of objects")
        names = tuple(i.strip() for i in items if i.strip())
        lowered = {n.lower() for n in names}
        if lowered & {"true", "all"}:
            if len(names) > 1:
                raise ConfigError(key, "'all' cannot be combined with objects")
            return ("all",)
        if lowered & {"false", "none"}:
            if len(names) > 1:
                raise ConfigError(key, "'none' cannot be combined with objects")
            return ()
        return names


@dataclass(frozen=True, slots=True)
class Timestamp(Parser):
    def __call__(self, key: str, value: Any) -> datetime:
        return parse_timestamp(key, value)


@dataclass(frozen=True, slots=True)
class Entities(Parser):
    """Entity ids: a list, a comma list, or ``all``."""

    def __call__(self, key: str, value: Any) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(key, "must be a list of entity ids, a comma list or 'all'")
        ids = tuple(i.strip() for i in items if i.strip())
        if "all" in ids and len(ids) > 1:
            raise ConfigError(key, "'all' cannot be combined with entity ids")
        return ids


@dataclass(frozen=True, slots=True)
class FilePath(Parser):
    """A file's path, as given."""

    def __call__(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ConfigError(key, f"must be a path, got {type(value).__name__}")
        return value


def parse_integer(key: str, value: Any, low: int, high: int) -> int:
    """An integer (or its digits as text) within [low, high] (ConfigError naming ``key``)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(key, f"must be an integer, got {type(value).__name__}")
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(key, f"must be an integer, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(key, f"must be between {low} and {high}, got {number}")
    return number


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


def zone_of(key: str, name: str) -> ZoneInfo:
    """The zone named ``name``; a ConfigError naming ``key`` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            key,
            f"{name!r} is not an IANA time zone name such as "
            "'America/Los_Angeles' (the Web Services user's time zone in Intacct)",
        ) from None
