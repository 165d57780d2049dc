"""A small, hostile-input-safe XML reader for autoconfig documents.

The standard library's ``xml.etree`` expands internal entities (a "billion laughs" document
of a few hundred bytes grows to gigabytes). Autoconfig documents never need a DTD, so any
``<!DOCTYPE`` (and with it every entity declaration) is refused outright, in whatever
encoding the document is written, by expat's own handlers. Size, depth and element count are
bounded too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

MAX_DEPTH = 16
MAX_ELEMENTS = 2000


class UnsafeXmlError(ValueError):
    """The document is not acceptable XML (message safe to show)."""


@dataclass(slots=True)
class Element:
    """An element: its local tag name, attributes, text and children."""

    tag: str
    attributes: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def find_all(self, tag: str) -> list[Element]:
        """Direct children named ``tag``."""
        return [child for child in self.children if child.tag == tag]

    def find(self, tag: str) -> Element | None:
        """The first direct child named ``tag``."""
        return next((child for child in self.children if child.tag == tag), None)

    def child_text(self, tag: str) -> str | None:
        """The stripped text of the first child named ``tag``."""
        child = self.find(tag)
        return child.text.strip() if child is not None else None


def parse(data: bytes, *, max_bytes: int) -> Element:
    """The root element of ``data``.

    Raises:
        UnsafeXmlError: larger than ``max_bytes``, a DTD or entity declaration, too deep or too
            many elements, or not well-formed.

    """
    if len(data) > max_bytes:
        raise UnsafeXmlError(f"larger than {max_bytes // 1024} KiB")
    builder = _Builder()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    # No external entity is ever fetched: expat only does that through this handler.
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.characters
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        raise UnsafeXmlError(f"not well-formed XML ({expat.ErrorString(err.code)})") from None
    if builder.root is None:
        raise UnsafeXmlError("no root element")
    return builder.root


def _refuse_doctype(*_args: object) -> None:
    raise UnsafeXmlError("a document type declaration (DTD) is not accepted")


def _refuse_entity(*_args: object) -> None:
    raise UnsafeXmlError("entity declarations are not accepted")


def _refuse_external(*_args: object) -> int:
    raise UnsafeXmlError("external entities are not accepted")


class _Builder:
    def __init__(self) -> None:
        self.root: Element | None = None
        self._stack: list[Element] = []
        self._count = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self._count += 1
        if self._count > MAX_ELEMENTS:
            raise UnsafeXmlError(f"more than {MAX_ELEMENTS} elements")
        if len(self._stack) >= MAX_DEPTH:
            raise UnsafeXmlError(f"nested deeper than {MAX_DEPTH} levels")
        element = Element(name.rpartition("}")[2], dict(attributes))
        if self._stack:
            self._stack[-1].children.append(element)
        else:
            self.root = element
        self._stack.append(element)

    def end(self, _name: str) -> None:
        self._stack.pop()

    def characters(self, data: str) -> None:
        if self._stack:
            self._stack[-1].text += data
