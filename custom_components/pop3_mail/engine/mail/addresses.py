"""Address lists (From, To, Cc) parsed strictly, in one bounded linear pass.

The stdlib is unusable on hostile input here: its address-list parser is quadratic (a To with
50,000 addresses takes minutes, CPython gh-136063), recurses per nested comment (RecursionError
at about 2,000), and the non-strict ``parseaddr`` returns a different address than the one a
reader sees (CVE-2023-27043). This tokenizer scans once, counts comment nesting instead of
recursing, stops after ``limit`` addresses and drops every entry whose structure is ambiguous:
more than one ``<...>``, words after the ``<...>``, stray ``)``, ``>`` or backslashes,
unterminated quotes, comments or angle brackets, or an address that is not a plain
``local@domain``. Display names may contain anything (they are only shown; rules filter on the
address). Comments are only used as the name of a bare address (``a@example.com (Name)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from .encoded_words import decode_encoded_words
from .problems import Problem, Problems
from .text import clean_line

MAX_ADDRESS_LENGTH = 320
MAX_NAME_LENGTH = 200

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<quoted>"[^"\\]*(?:\\.[^"\\]*)*"?)
    | (?P<angle><[^<>]*>?)
    | (?P<literal>\[[^\[\]\\]*\]?)
    | (?P<atom>[^\s"(),:;<>\[\]\\]+)
    | (?P<special>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_PARENTHESIS = re.compile(r"[()\\]")
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
# atext: printable, not a special, not whitespace; non-ASCII allowed (RFC 6532).
_ATOM = r"[^\x00-\x20\x7f-\x9f\"(),.:;<>@\[\\\]]+"
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_QUOTED_LOCAL = re.compile(r'"(?:[^"\\\x00-\x1f\x7f]|\\[^\x00-\x1f\x7f])*"')
_DOMAIN_LITERAL = re.compile(r"\[[^\[\]\\\x00-\x20\x7f]*\]")


@dataclass(frozen=True, slots=True)
class Mailbox:
    """One parsed address with its display name (``""`` when there is none)."""

    name: str
    address: str


@dataclass(slots=True)
class _Entry:
    """The tokens of one comma-separated entry, collected until it ends."""

    words: list[tuple[str, str]] = field(default_factory=list)
    """(kind, text) of atoms, quoted strings and literals before any ``<...>``."""
    angle: str | None = None
    comment: str | None = None
    broken: bool = False
    trailing: bool = False
    """Words came after the ``<...>``."""

    def empty(self) -> bool:
        return not self.words and self.angle is None and not self.broken


@dataclass(slots=True)
class AddressList:
    """Result of :func:`parse_address_list`."""

    mailboxes: list[Mailbox] = field(default_factory=list)
    truncated: bool = False
    """More than ``limit`` valid addresses were present."""
    invalid: bool = False
    """At least one entry was dropped."""


def parse_address_list(text: str, limit: int, problems: Problems) -> AddressList:
    """Parse up to ``limit`` mailboxes from an address header's decoded text."""
    result = AddressList()
    entry = _Entry()
    position = 0
    length = len(text)
    while position < length:
        match = _TOKEN.match(text, position)
        assert match is not None  # the last alternative matches any character
        kind = match.lastgroup
        lexeme = match.group()
        position = match.end()
        if kind == "space":
            continue
        if kind == "special":
            if lexeme == "(":
                position = _comment(text, position, entry)
            elif lexeme == ":":
                # A group's display name: forget it and parse the members.
                entry = _Entry(broken=entry.angle is not None)
            elif lexeme in ",;":
                if not _finish(entry, result, limit, problems):
                    return result
                entry = _Entry()
            else:
                entry.broken = True
        elif kind == "angle":
            if entry.angle is not None or not lexeme.endswith(">"):
                entry.broken = True
            entry.angle = lexeme[1:-1] if lexeme.endswith(">") else lexeme[1:]
        elif entry.angle is not None:
            entry.trailing = True
        else:
            entry.words.append((kind or "", lexeme))
    _finish(entry, result, limit, problems)
    return result


def _comment(text: str, position: int, entry: _Entry) -> int:
    """Skip a (nested) comment that starts before ``position``; return where it ends."""
    depth = 1
    start = position
    for match in _PARENTHESIS.finditer(text, position):
        if match.start() < position:
            continue  # the character after a backslash
        char = match.group()
        if char == "\\":
            position = match.end() + 1
            continue
        depth += 1 if char == "(" else -1
        if depth == 0:
            if entry.comment is None:
                entry.comment = _QUOTED_PAIR.sub(r"\1", text[start : match.start()])
            return match.end()
    entry.broken = True  # unterminated: it swallowed the rest of the header
    return len(text)


def _finish(entry: _Entry, result: AddressList, limit: int, problems: Problems) -> bool:
    """Validate one entry and add it; returns False once the list is full."""
    if entry.empty():
        return True
    mailbox = None if entry.broken or entry.trailing else _mailbox(entry, problems)
    if mailbox is None:
        result.invalid = True
        problems.add(Problem.ADDRESS_INVALID)
        return True
    if len(result.mailboxes) >= limit:
        result.truncated = True
        return False
    result.mailboxes.append(mailbox)
    return True


def _mailbox(entry: _Entry, problems: Problems) -> Mailbox | None:
    if entry.angle is not None:
        address = entry.angle.strip()
        if address.startswith("@") and ":" in address:
            address = address.rpartition(":")[2].strip()  # obsolete source route
        phrase = " ".join(_word_text(kind, text) for kind, text in entry.words)
        name = phrase  # a comment next to <...> is not a name
    else:
        if not _adjacent_words_join(entry.words):
            return None
        address = "".join(text for _, text in entry.words)
        name = entry.comment or ""
    if not _valid_address(address):
        return None
    name = decode_encoded_words(name, problems) if "=?" in name else name
    return Mailbox(name=clean_line(name, MAX_NAME_LENGTH, problems), address=address)


def _word_text(kind: str, text: str) -> str:
    if kind != "quoted":
        return text
    inner = text[1:-1] if len(text) > 1 and text.endswith('"') else text[1:]
    return _QUOTED_PAIR.sub(r"\1", inner) if "\\" in inner else inner


def _adjacent_words_join(words: list[tuple[str, str]]) -> bool:
    """Words of a bare address may only be split around "." and "@" (obsolete syntax)."""
    return all(
        left.endswith(("@", ".")) or right.startswith(("@", "."))
        for (_, left), (_, right) in pairwise(words)
    )


def _valid_address(address: str) -> bool:
    """``local@domain`` with a dot-atom or quoted local part and a dot-atom or literal domain."""
    if not 3 <= len(address) <= MAX_ADDRESS_LENGTH:
        return False
    quoted = _QUOTED_LOCAL.match(address) if address.startswith('"') else None
    if quoted is not None:
        local, rest = address[: quoted.end()], address[quoted.end() :]
        at, domain = rest[:1], rest[1:]
    else:
        local, at, domain = address.partition("@")
        if _DOT_ATOM.fullmatch(local) is None:
            return False
    return at == "@" and (
        _DOT_ATOM.fullmatch(domain) is not None or _DOMAIN_LITERAL.fullmatch(domain) is not None
    )
