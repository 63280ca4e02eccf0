"""Intacct in other people's orchestrators (one subpackage each, each an extra)."""

__all__: list[str] = []
