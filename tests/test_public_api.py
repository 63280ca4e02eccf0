"""The public import surface: pinned, and every public name is a decision.

``intacct.__all__`` is pinned (removing a name is a breaking change). Every name a
client-side module lists in its own ``__all__`` must either be exported from ``intacct``
or be reachable through a documented namespace (``intacct.fn``, ``intacct.q``,
``intacct.errors``) or be listed below as a deliberate module-level API with the reason,
so a new public class cannot slip in unexported by accident.
"""

from __future__ import annotations

import importlib
import pkgutil

import intacct

EXPORTED = [
    "ClientConfig",
    "FieldModel",
    "HistoryHook",
    "IntacctClient",
    "ObjectInfo",
    "ObjectModel",
    "ObjectRegistry",
    "Page",
    "PageToken",
    "Record",
    "RedactingFormatter",
    "Result",
    "RetryPolicy",
    "UserFormatting",
    "__version__",
    "errors",
    "fn",
    "is_applied",
    "q",
]

#: module -> why its public names stay in the module (imported from there on purpose)
MODULE_LEVEL = {
    "intacct.client": "MAX_FUNCTIONS/MAX_CONTROLID are limits, read as intacct.client.*",
    "intacct.client.gateway": "the facade's module; its names are re-exported by intacct.client",
    "intacct.config": "the settings table's views and constants (DEFAULT_API_URL...)",
    "intacct.config.client": "ClientConfig's module; re-exported by intacct.config",
    "intacct.config.files": "the JSON files of --config/--state; re-exported by intacct.config",
    "intacct.config.keys": "the table of every settings key, read as intacct.config.*",
    "intacct.config.parsers": "how a key's value is read; the surfaces show their bounds",
    "intacct.config.reading": "the table as each surface sees it; re-exported by intacct.config",
    "intacct.config.reference": "python -m intacct.config.reference writes the settings page",
    "intacct.errors": "the error tree is used as intacct.errors.<Name>",
    "intacct.logging": "Exchange is the record type of HistoryHook",
    "intacct.client.metadata": "Relationship is a part of ObjectModel",
    "intacct.client.pagination": "the iterator functions back IntacctClient.iter_*",
    "intacct.client.oauth": "the REST API's OAuth 2: apps, grants, token stores",
    "intacct.client.pacing": "the requestor's brake after throttles, and its tunables",
    "intacct.client.requestor": "the request path under the facade, for alternative facades",
    "intacct.client.retry": "retry building blocks (checkers, backoff) for custom policies",
    "intacct.client.session": "session state, reached through IntacctClient.session",
    "intacct.client.transport": "the HTTP layer under the requestor",
    "intacct.protocol.formats": "US_FORMATTING and parse_gmt_offset support UserFormatting",
}
#: packages with a public surface of their own (documented separately)
OWN_SURFACE = (
    "intacct.emulator",
    "intacct.cli",
    "intacct.protocol",
    "intacct.replication",
    "intacct.tap",
    "intacct.target",
    "intacct.sync",
    "intacct.destinations",
    "intacct.mappings",
    "intacct.integrations",
    "intacct.notices",
)


def test_exports() -> None:
    assert sorted(intacct.__all__) == sorted(EXPORTED)
    for name in intacct.__all__:
        assert getattr(intacct, name) is not None


def _public_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(intacct.__path__, "intacct.")]
    return [n for n in names if not any(part.startswith("_") for part in n.split("."))]


def test_every_public_name_is_exported_or_deliberately_module_level() -> None:
    undecided = []
    for name in _public_modules():
        if name.startswith(OWN_SURFACE) and name not in MODULE_LEVEL:
            continue
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            value = getattr(module, attr)
            if attr in intacct.__all__ and getattr(intacct, attr) is value:
                continue
            if name not in MODULE_LEVEL:
                undecided.append(f"{name}.{attr}")
    assert undecided == [], "export these from intacct or list the module in MODULE_LEVEL"


def test_every_public_module_declares_its_surface() -> None:
    missing = [
        n
        for n in _public_modules()
        if not n.startswith(("intacct.emulator", "intacct.cli"))
        and not hasattr(importlib.import_module(n), "__all__")
    ]
    assert missing == []


def test_readme_example_names_exist() -> None:
    assert callable(intacct.q.equalto) and callable(intacct.q.Order)
    assert callable(intacct.fn.Query) and callable(intacct.fn.LegacyCreate)
