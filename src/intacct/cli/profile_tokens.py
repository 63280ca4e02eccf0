"""A profile's OAuth tokens (the :class:`~intacct.client.oauth.TokenStore` of
``intacct profiles``): in the OS keyring when one works, else in a file beside
``profiles.toml`` (``tokens.<name>.json``, mode 0600, replaced whole:
:class:`~intacct.client.oauth.TokenFile`). Never in the profile itself, a destination,
a log or any output.

A person's consent (``intacct profiles add NAME --consent``) saves a refresh token that
rotates on every refresh: each new pair is saved before it is used, so the next command
goes on from it. A profile without saved tokens signs in with the app's client
credentials, asked again by each command.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import quote

from intacct.cli.os_keyring import keyring_delete, keyring_get, keyring_set
from intacct.client.gateway import OAuth
from intacct.client.oauth import OAuthApp, TokenFile, Tokens, TokenStore
from intacct.config import ClientConfig
from intacct.errors import ConfigError

__all__ = ["ProfileTokens", "profile_oauth"]


class ProfileTokens:
    """The tokens of profile ``name`` whose file is ``profiles`` (``profiles.toml``)."""

    def __init__(self, profiles: Path, name: str) -> None:
        self.name = name
        self.file = TokenFile(profiles.with_name(f"tokens.{quote(name, safe='')}.json"))
        self._entry = f"{name}:oauth_tokens"

    def load(self) -> Tokens | None:
        # both hold a pair only after the keyring refused a save: the later one is newer
        found = [t for t in (self._from_keyring(), self._from_file()) if t is not None]
        return max(found, key=lambda t: t.expires_at, default=None)

    def locked(self) -> AbstractContextManager[None]:
        """One command renews the profile's tokens at a time (the file's lock, also
        when they live in the keyring)."""
        return self.file.locked()

    def save(self, tokens: Tokens) -> None:
        if keyring_set(self._entry, json.dumps(tokens.to_json())):
            self.file.path.unlink(missing_ok=True)  # an older pair must not outlive it
        else:
            self.file.save(tokens)

    def remove(self) -> None:
        keyring_delete(self._entry)
        self.file.path.unlink(missing_ok=True)

    def where(self) -> str:
        """Where the saved tokens are, said without them."""
        if self._from_keyring() is not None:
            return "OS keyring"
        if self.file.path.exists():
            return f"{self.file.path} (mode 0600)"
        return "none saved"

    def _from_file(self) -> Tokens | None:
        try:
            return self.file.load()
        except ValueError as exc:  # names the file, never its content
            raise ConfigError(
                "tokens", f"{exc}; consent again: intacct profiles add {self.name} --consent"
            ) from None

    def _from_keyring(self) -> Tokens | None:
        stored = keyring_get(self._entry)
        if stored is None:
            return None
        try:
            return Tokens.from_json(json.loads(stored))
        except (ValueError, KeyError, TypeError):  # not ours: as if none were saved
            return None


def profile_oauth(config: ClientConfig, tokens: TokenStore | None) -> OAuth | None:
    """What the client signs in to the REST API with for a profile: its saved consent
    (a refresh token: only a person can renew it, so no other grant), else None, and
    the client asks the app's client credentials for a token each command."""
    if config.auth_type != "oauth" or tokens is None:
        return None
    saved = tokens.load()
    if saved is None or not saved.refresh_token:
        return None
    app = OAuthApp(config.client_id, config.client_secret, config.rest_url)
    return OAuth(app, tokens, None)
