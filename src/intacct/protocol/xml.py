"""The one hardened XML parser and the small element-building helpers.

Every byte string from the network goes through :func:`parse`; every request is built
with :func:`sub`/:func:`leaf` on lxml elements (never by string formatting), so user
values are always escaped. Values XML 1.0 cannot carry are rejected with the field name.
"""

from __future__ import annotations

import re

from lxml import etree

from intacct.errors import RequestBuildError

__all__ = [
    "XMLSyntaxError",
    "canonicalize",
    "check_text",
    "element",
    "leaf",
    "parse",
    "serialize",
    "sub",
]

XMLSyntaxError = etree.XMLSyntaxError

# No DTDs, no entity expansion, no network, libxml2's size/depth limits kept.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)

# XML 1.0 Char production: tab, LF, CR and everything from U+0020 except surrogates and
# U+FFFE/U+FFFF. Anything else cannot be sent, escaped or not.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def parse(body: bytes) -> etree._Element:
    """Parse a whole document with the hardened parser.

    Raises :class:`XMLSyntaxError` for anything that is not well-formed XML, including
    documents that declare a DTD (entities are never expanded).
    """
    root = etree.fromstring(body, _PARSER)
    if root.getroottree().docinfo.doctype:
        raise etree.XMLSyntaxError("DOCTYPE is not allowed", 0, 1, 1, None)
    return root


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
