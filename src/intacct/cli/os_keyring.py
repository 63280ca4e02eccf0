"""The OS keyring, where one works (headless machines have none): what a profile keeps
there, under the service :data:`KEYRING_SERVICE`. Every call fails soft: a broken
backend means "no keyring", so callers fall back to their private file."""

from __future__ import annotations

from typing import Any

__all__ = ["KEYRING_SERVICE", "keyring_delete", "keyring_get", "keyring_set"]

KEYRING_SERVICE = "intacct-connector"


def _keyring() -> Any:
    """The keyring module if a backend works here, else None."""
    try:
        import keyring
        from keyring.backends.fail import Keyring as NoKeyring
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    backend = keyring.get_keyring()
    return None if isinstance(backend, NoKeyring) else keyring


def keyring_get(user: str) -> str | None:
    ring = _keyring()
    if ring is None:
        return None
    try:
        value = ring.get_password(KEYRING_SERVICE, user)
    except Exception:  # noqa: BLE001 - a broken keyring backend must not stop a run
        return None
    return value if isinstance(value, str) else None


def keyring_set(user: str, value: str) -> bool:
    """Whether the keyring took it (False: use the private file)."""
    ring = _keyring()
    if ring is None:
        return False
    try:
        ring.set_password(KEYRING_SERVICE, user, value)
    except Exception:  # noqa: BLE001 - fall back to the 0600 file
        return False
    return True


def keyring_delete(user: str) -> None:
    ring = _keyring()
    if ring is None:
        return
    try:
        ring.delete_password(KEYRING_SERVICE, user)
    except Exception:  # noqa: BLE001 - nothing stored there
        return
