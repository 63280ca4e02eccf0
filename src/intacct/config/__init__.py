"""Settings, declared once and validated once at the edge into frozen objects.

:mod:`.keys` is the table of every key a user can give (docs/ARCHITECTURE.md, "Config
keys"); :mod:`.parsers` reads a value; :mod:`.reading` gives the table as each surface
sees it; :class:`ClientConfig` is the client's share. Key names are the public contract:
the first six match hotglue's tap so existing configs keep working. Every problem raises
:class:`~intacct.errors.ConfigError` naming the key; secrets never appear in ``repr`` or
in error messages.
"""

from intacct.config.client import ClientConfig
from intacct.config.files import parse_json_object, read_json_object
from intacct.config.keys import (
    DEFAULT_API_URL,
    DEFAULT_DDS_MAX_WAIT_S,
    DEFAULT_DDS_MIN_RECORDS,
    DEFAULT_LOOKBACK_MINUTES,
    DEFAULT_PAGE_SIZE,
    DEFAULT_REPORT_PATH,
    DEFAULT_VERIFY_EVERY,
    ENV_PREFIX,
    KEYS,
    MAX_FUNCTIONS,
    Key,
    Owner,
    Surface,
)
from intacct.config.parsers import parse_integer, parse_timestamp
from intacct.config.reading import (
    SECRETS,
    check_variable_names,
    key_named,
    keys_on,
    names_on,
    owned_by,
    read,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_LOOKBACK_MINUTES",
    "DEFAULT_VERIFY_EVERY",
    "DEFAULT_DDS_MAX_WAIT_S",
    "DEFAULT_DDS_MIN_RECORDS",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_REPORT_PATH",
    "ENV_PREFIX",
    "KEYS",
    "MAX_FUNCTIONS",
    "SECRETS",
    "ClientConfig",
    "Key",
    "Owner",
    "Surface",
    "check_variable_names",
    "key_named",
    "keys_on",
    "names_on",
    "owned_by",
    "parse_integer",
    "parse_json_object",
    "parse_timestamp",
    "read",
    "read_json_object",
]
