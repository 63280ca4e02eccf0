"""Sage Intacct XML gateway connector."""

from intacct._version import __version__

__all__ = ["__version__"]
