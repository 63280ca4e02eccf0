"""The one hardened XML parser and the small element-building helpers.

Every byte string from the network goes through :func:`parse`; every request is built
with :func:`sub`/:func:`leaf` on lxml elements (never by string formatting), so user
values are always escaped. Values XML 1.0 cannot carry are rejected with the field name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypedDict

from lxml import etree

from intacct.errors import RequestBuildError

__all__ = [
    "XMLSyntaxError",
    "canonicalize",
    "check_text",
    "element",
    "leaf",
    "parse",
    "parse_pruned",
    "serialize",
    "sub",
]

XMLSyntaxError = etree.XMLSyntaxError


class _Hardening(TypedDict):
    resolve_entities: bool
    no_network: bool
    load_dtd: bool
    huge_tree: bool
    remove_comments: bool
    remove_pis: bool


# No DTDs, no entity expansion, no network, libxml2's size/depth limits kept. Every
# parser of network bytes (whole-document and incremental) is built from this.
_HARDENING = _Hardening(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
_PARSER = etree.XMLParser(**_HARDENING)

# Bytes fed to the incremental parser at a time: the most tree it holds beyond the
# element being read is what this much XML builds (about ten times as much).
_FEED_BYTES = 1 << 16

# XML 1.0 Char production: tab, LF, CR and everything from U+0020 except surrogates and
# U+FFFE/U+FFFF. Anything else cannot be sent, escaped or not.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def parse(body: bytes) -> etree._Element:
    """Parse a whole document with the hardened parser.

    Raises :class:`XMLSyntaxError` for anything that is not well-formed XML, including
    documents that declare a DTD (entities are never expanded).
    """
    root = etree.fromstring(body, _PARSER)
    _refuse_doctype(root)
    return root


def _refuse_doctype(root: etree._Element) -> None:
    if root.getroottree().docinfo.doctype:
        raise etree.XMLSyntaxError("DOCTYPE is not allowed", 0, 1, 1, None)


def parse_pruned(
    body: bytes,
    container: str,
    claim: Callable[[etree._Element], bool],
    take: Callable[[etree._Element, etree._Element], None],
) -> etree._Element:
    """Parse like :func:`parse`, without ever holding the whole tree.

    Every ``<container>`` element is offered to ``claim`` when its start tag is read
    (its ancestors are in place, its children not yet). The children of a claimed
    element are handed to ``take(container, child)`` one by one, in document order, as
    soon as each is complete, and then removed from the tree (tails included), so the
    root returned holds the claimed elements empty. Only complete elements, which the
    parser no longer touches, are removed. A claimed element must not lie inside
    another one.

    Raises :class:`XMLSyntaxError` like :func:`parse`, possibly after some children were
    taken (the DOCTYPE check, in particular, runs at the end as there).
    """
    # Start events only, for ``container`` only: they add about a fifth to libxml2's
    # parse time, end events would add twice that (lxml hooks every element for them).
    parser = etree.XMLPullParser(events=("start",), tag=container, **_HARDENING)
    claimed: list[etree._Element] = []
    for start in range(0, len(body), _FEED_BYTES):
        parser.feed(body[start : start + _FEED_BYTES])
        claimed += [el for _, el in parser.read_events() if claim(el)]
        claimed = [el for el in claimed if not _take_complete_children(el, take)]
    root = parser.close()
    claimed += [el for _, el in parser.read_events() if claim(el)]
    for el in claimed:
        _take_children(el, take, keep=0)
    _refuse_doctype(root)
    return root


def _take_complete_children(
    el: etree._Element, take: Callable[[etree._Element, etree._Element], None]
) -> bool:
    """Take the children the parser is done with; True when that was all of them."""
    done = _parsed_past(el)
    # while el is open its last child may still be growing; every one before is done
    _take_children(el, take, keep=0 if done else 1)
    return done


def _parsed_past(el: etree._Element) -> bool:
    """Whether the parser has read beyond ``el``: an element follows it or an ancestor
    (elements are added to the tree as their start tags are read)."""
    node: etree._Element | None = el
    while node is not None:
        if node.getnext() is not None:
            return True
        node = node.getparent()
    return False


def _take_children(
    el: etree._Element,
    take: Callable[[etree._Element, etree._Element], None],
    *,
    keep: int,
) -> None:
    for _ in range(len(el) - keep):  # len() walks the children: count them once
        child = el[0]
        if isinstance(child.tag, str):  # not an entity reference left unexpanded
            take(el, child)
        # with no proxy left, lxml frees the subtree at once instead of walking it
        del child
        del el[0]


def check_text(value: str, field: str) -> str:
    """Return ``value`` if XML 1.0 can carry it, else raise naming ``field``.

    The rule: C0 control characters other than tab, LF and CR (and lone surrogates,
    U+FFFE, U+FFFF) are rejected, never silently stripped, so no data is lost unseen.
    """
    bad = _ILLEGAL.search(value)
    if bad is not None:
        raise RequestBuildError(
            field,
            f"character U+{ord(bad.group()):04X} at position {bad.start()} cannot be sent in "
            "XML 1.0; remove it from the value",
        )
    return value


def element(tag: str, attrib: dict[str, str] | None = None) -> etree._Element:
    """A new detached element, attribute values checked."""
    el = etree.Element(tag)
    for name, value in (attrib or {}).items():
        el.set(name, check_text(value, f"{tag}@{name}"))
    return el


def sub(parent: etree._Element, tag: str, attrib: dict[str, str] | None = None) -> etree._Element:
    """Append and return a child element."""
    el = element(tag, attrib)
    parent.append(el)
    return el


def leaf(
    parent: etree._Element, tag: str, text: str | None, *, field: str | None = None
) -> etree._Element:
    """Append ``<tag>text</tag>``; ``None`` writes an empty element."""
    el = sub(parent, tag)
    if text is not None:
        el.text = check_text(text, field or tag)
    return el


def serialize(root: etree._Element, *, declaration: bool = True) -> bytes:
    """UTF-8 bytes, no pretty-printing (as the official SDKs send)."""
    return etree.tostring(root, encoding="UTF-8", xml_declaration=declaration)


def canonicalize(body: bytes | str) -> str:
    """Canonical form for comparing documents in tests: C14N 2.0, whitespace-only
    text between elements dropped, so indentation and attribute order do not matter."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    root = parse(data)
    for el in root.iter():
        if len(el) and el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return etree.canonicalize(etree.tostring(root, encoding="unicode"), strip_text=False)
