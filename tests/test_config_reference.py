"""docs/configuration.md is what the table of keys writes (``intacct.config.reference``):
a key added or changed in src/intacct/config/keys.py fails here until the page is
written again, with the command that writes it; and the page says of every key what it
does, where it is given, its type and its default."""

from __future__ import annotations

import re

from intacct.config import KEYS, Surface
from intacct.config.reference import COMMAND, PATH, render
from tests.docs import ROOT


def test_the_configuration_page_is_what_the_table_writes() -> None:
    written = (ROOT / PATH).read_text(encoding="utf-8")
    assert written == render(), f"{PATH} is not what the table of keys writes: run `{COMMAND}`"


def test_every_key_is_described_with_its_places_type_and_default() -> None:
    page = render()
    sections = dict(re.findall(r"^### `(\w+)`\n\n(.*?)(?=^##|\Z)", page, re.M | re.S))
    assert sorted(sections) == sorted(k.name for k in KEYS)  # each once, by its owner
    for key in KEYS:
        said = sections[key.name]
        assert key.guide, f"{key.name}: no guide in the table (what it does, for people)"
        assert "**Type**" in said and "**Default**" in said and "**Given in**" in said
        assert ("**Secret**" in said) == key.secret, key.name
        if Surface.ENV in key.on:
            assert f"`{key.variable}`" in said, key.name
