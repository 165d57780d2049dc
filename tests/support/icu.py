"""A checker for ICU MessageFormat as Home Assistant's frontend reads translations.

The frontend formats every backend text with ``intl-messageformat`` (FormatJS). This follows
its parser (``@formatjs/icu-messageformat-parser``) where a text can go wrong:

- ``{name}``, ``{name, number}`` and friends are arguments; ``{name, plural, ...}``,
  ``{name, selectordinal, ...}`` and ``{name, select, ...}`` need an ``other`` option, and
  ``#`` inside a plural stands for the number;
- ``<tag>…</tag>`` and ``<tag/>`` are tags: ``<`` followed by a letter opens one, and an
  unclosed tag is the frontend's "Translation error: UNCLOSED_TAG";
- ``'`` escapes: ``''`` is one apostrophe, and ``'`` before ``{ } < >`` (or ``#`` in a
  plural) starts quoted text up to the next single ``'``; any other ``'`` is literal.

:func:`parse` raises :class:`MessageError` with the frontend's error name, or returns the
names of the arguments the text needs (placeholders the caller must supply).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PLURAL_TYPES = ("plural", "selectordinal")
SIMPLE_TYPES = ("number", "date", "time")
PLURAL_KEYWORDS = ("zero", "one", "two", "few", "many", "other")


class MessageError(ValueError):
    """The text is not a valid message; ``kind`` is the parser's error name."""

    def __init__(self, kind: str, text: str, position: int) -> None:
        super().__init__(f"{kind} at {position}: {text!r}")
        self.kind = kind


def _is_alpha(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _is_tag_char(char: str) -> bool:
    return char.isalnum() or char in "-._"


@dataclass
class _Parser:
    text: str
    position: int = 0
    arguments: set[str] = field(default_factory=set)

    def error(self, kind: str) -> MessageError:
        return MessageError(kind, self.text, self.position)

    def peek(self, offset: int = 0) -> str:
        index = self.position + offset
        return self.text[index] if index < len(self.text) else ""

    def message(self, *, in_plural: bool, tag: str | None, nested: bool) -> None:
        """Parse up to the end of the text, the ``}`` of an option or a tag's closing tag.

        Outside any option a ``}`` is literal text, as in FormatJS.
        """
        while self.position < len(self.text):
            char = self.peek()
            if char == "{":
                self.argument()
            elif char == "}" and nested:
                return
            elif char == "<" and self.peek(1) == "/":
                if tag is None:
                    raise self.error("UNMATCHED_CLOSING_TAG")
                return
            elif char == "<" and _is_alpha(self.peek(1)):
                self.tag(in_plural=in_plural, nested=nested)
            elif char == "'":
                self.quote(in_plural=in_plural)
            else:
                self.position += 1

    def quote(self, *, in_plural: bool) -> None:
        after = self.peek(1)
        if after == "'":
            self.position += 2
            return
        if after in ("{", "}", "<", ">") or (in_plural and after == "#"):
            end = self.position + 1
            while True:
                end = self.text.find("'", end + 1)
                if end == -1:
                    self.position = len(self.text)  # quoted to the end: still valid
                    return
                if self.text[end + 1 : end + 2] == "'":
                    end += 1
                    continue
                self.position = end + 1
                return
        self.position += 1

    def tag(self, *, in_plural: bool, nested: bool) -> None:
        self.position += 1
        start = self.position
        while _is_tag_char(self.peek()):
            self.position += 1
        name = self.text[start : self.position]
        if self.text.startswith("/>", self.position):
            self.position += 2
            return
        if self.peek() != ">":
            raise self.error("INVALID_TAG")
        self.position += 1
        self.message(in_plural=in_plural, tag=name, nested=nested)
        closing = f"</{name}>"
        if not self.text.startswith("</", self.position):
            raise self.error("UNCLOSED_TAG")
        if not self.text.startswith(closing, self.position):
            raise self.error("UNMATCHED_CLOSING_TAG")
        self.position += len(closing)

    def spaces(self) -> None:
        while self.peek().isspace():
            self.position += 1

    def identifier(self) -> str:
        """Up to white space or ASCII punctuation (Unicode's Pattern_Syntax), ``_`` allowed."""
        start = self.position
        while (
            (char := self.peek())
            and not char.isspace()
            and (char.isalnum() or char == "_" or not char.isascii())
        ):
            self.position += 1
        return self.text[start : self.position]

    def argument(self) -> None:
        self.position += 1
        self.spaces()
        if self.peek() == "}":
            raise self.error("EMPTY_ARGUMENT")
        name = self.identifier()
        if not name:
            raise self.error("MALFORMED_ARGUMENT")
        self.arguments.add(name)
        self.spaces()
        if self.peek() == "}":
            self.position += 1
            return
        if self.peek() != ",":
            raise self.error("MALFORMED_ARGUMENT")
        self.position += 1
        self.spaces()
        kind = self.identifier()
        self.spaces()
        if kind in SIMPLE_TYPES:
            self.simple_style()
        elif kind in (*PLURAL_TYPES, "select"):
            self.options(plural=kind in PLURAL_TYPES)
        else:
            raise self.error("INVALID_ARGUMENT_TYPE")

    def simple_style(self) -> None:
        if self.peek() == ",":
            self.position += 1
            end = self.text.find("}", self.position)
            if end == -1 or not self.text[self.position : end].strip():
                raise self.error("EXPECT_ARGUMENT_STYLE")
            self.position = end
        if self.peek() != "}":
            raise self.error("EXPECT_ARGUMENT_CLOSING_BRACE")
        self.position += 1

    def options(self, *, plural: bool) -> None:
        if self.peek() != ",":
            raise self.error("EXPECT_ARGUMENT_TYPE")
        self.position += 1
        self.spaces()
        if plural and self.text.startswith("offset:", self.position):
            self.position += len("offset:")
            self.spaces()
            if not self.identifier().isdigit():
                raise self.error("INVALID_PLURAL_ARGUMENT_OFFSET_VALUE")
            self.spaces()
        seen: set[str] = set()
        while self.peek() and self.peek() != "}":
            if plural and self.peek() == "=":
                self.position += 1
                selector = "=" + self.identifier()
            else:
                selector = self.identifier()
            if not selector:
                raise self.error("EXPECT_SELECT_ARGUMENT_SELECTOR")
            if plural and not (
                selector in PLURAL_KEYWORDS or (selector.startswith("=") and selector[1:].isdigit())
            ):
                raise self.error("INVALID_PLURAL_ARGUMENT_SELECTOR")
            if selector in seen:
                raise self.error("DUPLICATE_SELECT_ARGUMENT_SELECTOR")
            seen.add(selector)
            self.spaces()
            if self.peek() != "{":
                raise self.error("EXPECT_SELECT_ARGUMENT_OPTIONS")
            self.position += 1
            self.message(in_plural=plural, tag=None, nested=True)
            if self.peek() != "}":
                raise self.error("EXPECT_ARGUMENT_CLOSING_BRACE")
            self.position += 1
            self.spaces()
        if "other" not in seen:
            raise self.error("MISSING_OTHER_CLAUSE")
        if self.peek() != "}":
            raise self.error("EXPECT_ARGUMENT_CLOSING_BRACE")
        self.position += 1


def parse(text: str) -> set[str]:
    """The argument names of ``text``; raises :class:`MessageError` when it cannot be parsed."""
    parser = _Parser(text)
    parser.message(in_plural=False, tag=None, nested=False)
    return parser.arguments
