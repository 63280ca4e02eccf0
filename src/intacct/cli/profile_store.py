"""Named connections (profiles) in ``profiles.toml`` in the user's config directory.

One Web Services user per environment under one Sender ID is how Intacct is set up
(sandbox, implementation, production), so each is a profile::

    default = "sandbox"

    [profiles.sandbox]
    api_url = "https://api.intacct.com/ia/xml/xmlgw.phtml"
    sender_id = "acme_sender"
    sender_password_env = "ACME_SENDER_PASSWORD"   # the secret from this variable
    company_id = "ACME-sandbox"
    user_id = "ws_user"
    # user_password: from the OS keyring ("intacct-connector", "sandbox:user_password")

A secret comes from, in order: the environment variable the profile names
(``<key>_env``), the OS keyring where one works, or the file itself, which is then
written with mode 0600 (and refused if others can read it). OAuth tokens a person's
consent gave are kept apart: :mod:`intacct.cli.profile_tokens`.
"""

from __future__ import annotations

import codecs
import difflib
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from intacct.cli.os_keyring import KEYRING_SERVICE, keyring_delete, keyring_get, keyring_set
from intacct.cli.profile_tokens import ProfileTokens
from intacct.config import SECRETS, Surface, names_on
from intacct.errors import ConfigError

__all__ = [
    "SECRETS",
    "DESTINATION",
    "KEYRING_SERVICE",
    "ProfileStore",
    "profiles_path",
]

#: where ``intacct sync`` writes when ``--db`` is not given (a DuckDB path or a
#: ``postgresql://`` URL); neither the client's nor the engine's
DESTINATION = "destination"
#: the keys a profile may hold besides the secrets and their ``<secret>_env`` names
#: (the table's, intacct.config.keys: Surface.PROFILE)
KEYS = tuple(sorted(names_on(Surface.PROFILE) - set(SECRETS)))


def profiles_path() -> Path:
    return Path(platformdirs.user_config_dir("intacct-connector")) / "profiles.toml"


class ProfileStore:
    """Read and write ``profiles.toml`` (see the module docstring)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or profiles_path()

    # -- reading --------------------------------------------------------------------------

    def load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"profiles": {}}
        try:
            data = tomllib.loads(_text(self.path))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("profiles", f"{self.path} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError("profiles", f"cannot read {self.path}: {exc.strerror}") from None
        profiles = data.get("profiles", {})
        if not isinstance(profiles, dict) or not all(
            isinstance(p, dict) for p in profiles.values()
        ):
            raise ConfigError("profiles", f"{self.path}: [profiles.NAME] tables expected")
        return data

    def names(self) -> list[str]:
        return sorted(self.load()["profiles"])

    def default(self) -> str | None:
        value = self.load().get("default")
        return value if isinstance(value, str) and value else None

    def unknown(self, name: str) -> str | None:
        """Why ``name`` names no profile (the file, the profiles it has); None if it does."""
        profiles = self.load()["profiles"]
        if name in profiles:
            return None
        known = ", ".join(sorted(profiles)) or "none yet (intacct profiles add NAME)"
        return f"no profile {name!r} in {self.path}; profiles: {known}"

    def raw(self, name: str) -> dict[str, Any]:
        missing = self.unknown(name)
        if missing is not None:
            raise ConfigError("profile", missing)
        return dict(self.load()["profiles"][name])

    def config(self, name: str) -> dict[str, Any]:
        """The profile as a client config, its secrets resolved."""
        profile = self.raw(name)
        self._check_keys(name, profile)
        config = {k: v for k, v in profile.items() if k in KEYS}
        for secret in SECRETS:
            value, _ = self._secret(name, profile, secret)
            if value is not None:
                config[secret] = value
        return config

    def _check_keys(self, name: str, profile: Mapping[str, Any]) -> None:
        known = {*KEYS, *SECRETS, *(f"{s}_env" for s in SECRETS)}
        for key in profile:
            if key not in known:
                near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ConfigError(key, f"unknown key in profile {name!r} of {self.path}{hint}")

    def source_of(self, name: str, secret: str) -> str | None:
        """Where the profile's secret comes from, said without the secret; None: it is
        not set."""
        _, source = self._secret(name, self.raw(name), secret)
        return source

    def _secret(
        self, name: str, profile: Mapping[str, Any], secret: str
    ) -> tuple[str | None, str | None]:
        variable = profile.get(f"{secret}_env")
        if variable:
            value = os.environ.get(str(variable))
            if value is None:
                raise ConfigError(
                    secret, f"profile {name!r} takes it from ${variable}, which is not set"
                )
            return value, f"environment variable {variable}"
        stored = keyring_get(f"{name}:{secret}")
        if stored is not None:
            return stored, "OS keyring"
        if secret in profile:
            self._check_private()
            return str(profile[secret]), f"{self.path} (mode 0600)"
        return None, None

    def _check_private(self) -> None:
        mode = self.path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                "profiles",
                f"{self.path} holds passwords and others can read it: chmod 600 {self.path}",
            )

    # -- writing --------------------------------------------------------------------------

    def add(self, name: str, values: Mapping[str, Any], *, default: bool = False) -> str:
        """Add or replace a profile; secrets go to the keyring when one works, else into
        the file (mode 0600). Returns where the secrets went."""
        data = self.load()
        profile = {k: v for k, v in values.items() if v not in (None, "") and k not in SECRETS}
        where = "none given"
        for secret in SECRETS:
            value = values.get(secret)
            if not value:
                continue
            if keyring_set(f"{name}:{secret}", str(value)):
                where = "the OS keyring"
            else:
                profile[secret] = str(value)
                where = f"{self.path} (mode 0600)"
        data["profiles"][name] = profile
        self.tokens(name).remove()  # another app or user must not sign in with them
        if default or not data.get("default"):
            data["default"] = name
        self._write(data)
        return where

    def remove(self, name: str) -> None:
        data = self.load()
        if name not in data["profiles"]:
            raise ConfigError("profile", f"no profile {name!r} in {self.path}")
        del data["profiles"][name]
        if data.get("default") == name:
            data.pop("default")
        for secret in SECRETS:
            keyring_delete(f"{name}:{secret}")
        self.tokens(name).remove()
        self._write(data)

    def tokens(self, name: str) -> ProfileTokens:
        """Where the profile's OAuth tokens are kept (:mod:`intacct.cli.profile_tokens`)."""
        return ProfileTokens(self.path, name)

    def _write(self, data: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = tomli_w.dumps(dict(data))
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(self.path, 0o600)


#: byte order marks Windows editors write, longest first (UTF-32's starts as UTF-16's)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _text(path: Path) -> str:
    """The file's text: UTF-8, or UTF-8/16/32 with a byte order mark (Notepad's "UTF-16
    LE" and "UTF-8 with BOM"); anything else is a ConfigError that says how to fix it."""
    data = path.read_bytes()
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "profiles",
            f"{path} is not UTF-8 text (byte {exc.start} of it cannot be read as "
            f"{encoding}); save it as UTF-8 (in Notepad: Save as, Encoding UTF-8), or "
            "remove it and add the profiles again with intacct profiles add",
        ) from None
