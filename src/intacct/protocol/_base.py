"""What every function builder is: the :class:`Function` base class (re-exported by
:mod:`.functions`), and :func:`leaves`, which most builders write their element with."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from lxml import etree

from intacct.protocol.xml import leaf

__all__ = ["Function", "leaves"]


class Function(ABC):
    """One gateway function call."""

    writes: ClassVar[bool] = False

    @property
    @abstractmethod
    def name(self) -> str:
        """The function's element name, echoed in the result's ``<function>``."""

    @abstractmethod
    def to_xml(self) -> etree._Element:
        """The function element, ready to go inside ``<function controlid="…">``."""


def leaves(parent: etree._Element, **children: str | int | None) -> etree._Element:
    """Append ``<tag>value</tag>`` for each keyword, in order, leaving out ``None``
    (``""`` writes an empty element); return ``parent``."""
    for tag, value in children.items():
        if value is not None:
            leaf(parent, tag, str(value))
    return parent
