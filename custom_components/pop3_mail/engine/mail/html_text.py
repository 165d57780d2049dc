"""Readable text from HTML mail, for snippets of HTML-only messages.

A small :class:`html.parser.HTMLParser` subclass: script, style, title and template content is
dropped, link text is kept (URLs are not), entities are decoded, and block elements become line
breaks so that words of adjacent paragraphs or cells do not run together.

The stdlib parser needs guarding on hostile input. On CPython 3.13.0 it is quadratic at
``close()`` on unterminated constructs (``"<a " * 20000`` takes half a minute; CVE-2025-6069)
and raises ``AssertionError`` on some malformed declarations (``<![<!``). So the HTML is fed in
small chunks, parsing stops as soon as enough text was collected or when an unterminated
construct has swallowed more than :data:`MAX_PENDING` characters (as in a browser, an unclosed
comment or tag hides the rest of the document anyway), ``close()`` only runs on a short
remainder, and any exception ends parsing with the text found so far (flagged).
"""

from __future__ import annotations

from html.parser import HTMLParser

from .problems import Problem, Problems

CHUNK = 1024
"""Characters fed to the parser at a time."""
MAX_PENDING = 32 * 1024
"""Characters the parser may hold back in an unterminated construct before we give up."""
MAX_CLOSE_PENDING = 1024
"""Largest remainder that ``close()`` is run on (its cost is quadratic in it)."""

_SKIPPED = frozenset({"script", "style", "title", "template"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "center", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
        "thead", "tfoot", "tr", "ul",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})


class _TextCollector(HTMLParser):
    """Collects visible text; ``visible`` counts its non-whitespace characters."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.visible = 0
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        else:
            self._separate(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED:
            self._separate(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(self._skipping - 1, 0)
        else:
            self._separate(tag)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.pieces.append(data)
            if not data.isspace():
                self.visible += len(data)

    def _separate(self, tag: str) -> None:
        if self._skipping:
            return
        if tag in _BLOCKS:
            self.pieces.append("\n")
        elif tag in _CELLS:
            self.pieces.append(" ")


def html_to_text(html: str, problems: Problems, *, enough: int | None = None) -> str:
    """Visible text of ``html``; stops early once ``enough`` characters were found."""
    parser = _TextCollector()
    try:
        for offset in range(0, len(html), CHUNK):
            parser.feed(html[offset : offset + CHUNK])
            if enough is not None and parser.visible > enough:
                break
            if len(parser.rawdata) > MAX_PENDING:
                break
        else:
            if len(parser.rawdata) <= MAX_CLOSE_PENDING:
                parser.close()
    except Exception:  # the stdlib parser raises AssertionError and others on malformed input
        problems.add(Problem.HTML_MALFORMED)
    return "".join(parser.pieces)
