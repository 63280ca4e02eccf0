"""The table of keys (:mod:`intacct.config.keys`) as each surface and each settings
object sees it, and reading an owner's keys out of a user's mapping."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any

from intacct.config.keys import ENV_PREFIX, KEYS, Key, Owner, Surface
from intacct.errors import ConfigError

__all__ = [
    "SECRETS",
    "check_keys",
    "check_variable_names",
    "key_named",
    "keys_on",
    "names_on",
    "owned_by",
    "read",
]

#: the keys whose values never reach a log, an error, a repr or a state
SECRETS = tuple(k.name for k in KEYS if k.secret)
_BY_NAME = {k.name: k for k in KEYS}


def key_named(name: str) -> Key:
    return _BY_NAME[name]


def keys_on(surface: Surface) -> tuple[Key, ...]:
    """The keys a user may give on ``surface``, in the table's order."""
    return tuple(k for k in KEYS if surface in k.on)


def names_on(surface: Surface) -> frozenset[str]:
    return frozenset(k.name for k in keys_on(surface))


def owned_by(*owners: Owner) -> tuple[Key, ...]:
    """The keys ``owners`` read: their own and those they read too (:attr:`Key.also`)."""
    return tuple(k for k in KEYS if k.owner in owners or k.also.intersection(owners))


def read(values: Mapping[str, Any], *owners: Owner) -> dict[str, Any]:
    """The ``owners``' keys of ``values``, each parsed (ConfigError naming the key), or
    its default when not given (None and "" count as not given); other keys are left
    to their owners."""
    out: dict[str, Any] = {}
    for key in owned_by(*owners):
        value = values.get(key.name)
        out[key.name] = key.default if value is None or value == "" else key.parse(value)
    return out


def check_variable_names(environ: Mapping[str, str], prefix: str = ENV_PREFIX) -> None:
    """A ``prefix`` variable a letter or two off a key's (:attr:`Surface.ENV`) is a
    ConfigError naming the near miss; unrelated ``INTACCT_*`` variables are fine."""
    names = sorted(prefix + key.name.upper() for key in keys_on(Surface.ENV))
    for variable in environ:
        if variable.startswith(prefix) and variable not in names:
            near = difflib.get_close_matches(variable, names, n=1, cutoff=0.85)
            if near:
                raise ConfigError(variable, f"unknown variable; did you mean {near[0]}?")


def check_keys(values: Mapping[str, Any], known: Collection[str]) -> None:
    """Every key of ``values`` is one of ``known``; else a ConfigError naming it and its
    near miss (a typo must not send credentials to the default URL)."""
    for key in values:
        if not isinstance(key, str):
            raise ConfigError(repr(key), "config keys must be strings")
        if key in known:
            continue
        near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ConfigError(key, f"unknown key{hint}")
