"""Address lists (From, To, Cc) parsed in one bounded linear pass, strictly where it matters.

The stdlib is unusable on hostile input here: its address-list parser is quadratic (a To with
50,000 addresses takes minutes, CPython gh-136063), recurses per nested comment (RecursionError
at about 2,000), and the non-strict ``parseaddr`` returns a different address than the one a
reader sees (CVE-2023-27043). This tokenizer scans once, counts comment nesting instead of
recursing and stops after ``limit`` addresses.

It drops every entry whose structure is ambiguous: words after the ``<...>`` that are not an
address, stray ``)``, ``>`` or backslashes, unterminated quotes, comments or angle brackets, or an
address that is not a plain ``local@domain``. Display names may contain anything (they are only
shown; rules filter on the address). Comments and whitespace inside an address are removed (RFC
5322 §3.2.2 and the obsolete syntax of §4.4: ``<pete(his account)@silly.test(his host)>``,
``jdoe@test . example``); a comment is only used as the name of a bare address
(``a@example.com (Name)``).

Where the intent is clear, it reads what good mail clients read, and says so with
:attr:`Problem.ADDRESS_REPAIRED`: an address after an unquoted name (``Big Bug bb@bug.com``) and
two addresses without a comma (``a@example.com b@example.com``, ``A <a@x.org> B <b@x.org>``).
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
    | (?P<literal>\[[^\[\]\\]*\]?)
    | (?P<atom>[^\s"(),:;<>\[\]\\]+)
    | (?P<special>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# Inside <...>: a route (obsolete) may contain "," and ":".
_ANGLE_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<quoted>"[^"\\]*(?:\\.[^"\\]*)*"?)
    | (?P<literal>\[[^\[\]\\]*\]?)
    | (?P<atom>[^\s"()<>\[\]\\]+)
    | (?P<special>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_PARENTHESIS = re.compile(r"[()\\]")
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
# atext: printable, not a special, not whitespace; non-ASCII allowed (RFC 6532), but not lone
# surrogates (raw bytes kept for encoded words, see encoded_words.decode_header_bytes).
_ATOM = r"[^\x00-\x20\x7f-\x9f\"(),.:;<>@\[\\\]\ud800-\udfff]+"
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_QUOTED_LOCAL = re.compile(
    r'"(?:[^"\\\x00-\x1f\x7f\ud800-\udfff]|\\[^\x00-\x1f\x7f\ud800-\udfff])*"'
)
_DOMAIN_LITERAL = re.compile(r"\[[^\[\]\\\x00-\x20\x7f\ud800-\udfff]*\]")
# Words of one address split by whitespace or comments join only next to these (obsolete
# syntax: "john . doe @ example.com"; a route: "@a, @b:x@y").
_JOINS = (".", "@")
_ANGLE_JOINS = (".", "@", ",", ":")


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
    """The address inside ``<...>``, comments and whitespace removed."""
    comment: str | None = None
    broken: bool = False
    after: list[tuple[str, str]] = field(default_factory=list)
    """Words after the ``<...>``: another address without a comma, or junk."""

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
        if kind != "special":
            (entry.words if entry.angle is None else entry.after).append((kind or "", lexeme))
        elif lexeme == "(":
            position, comment = _skip_comment(text, position)
            if comment is None:
                entry.broken = True  # unterminated: it swallowed the rest of the header
            elif entry.comment is None:
                entry.comment = comment
        elif lexeme == "<":
            if entry.angle is not None:
                # A second <...> without a comma: the words since the first one name it.
                if not _finish(entry, result, limit, problems, repaired=True):
                    return result
                entry = _Entry(words=entry.after)
                problems.add(Problem.ADDRESS_REPAIRED)
            position, entry.angle = _angle_address(text, position)
            entry.broken = entry.broken or entry.angle is None
        elif lexeme == ":":
            # A group's display name: forget it and parse the members.
            entry = _Entry(broken=entry.angle is not None)
        elif lexeme in ",;":
            if not _finish(entry, result, limit, problems):
                return result
            entry = _Entry()
        else:
            entry.broken = True
    _finish(entry, result, limit, problems)
    return result


def _skip_comment(text: str, position: int) -> tuple[int, str | None]:
    """End of a (nested) comment that starts before ``position``, and its text.

    The text is ``None`` when the comment is not closed (it then runs to the end).
    """
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
            return match.end(), _QUOTED_PAIR.sub(r"\1", text[start : match.start()])
    return len(text), None


def _angle_address(text: str, position: int) -> tuple[int, str | None]:
    """The address of an ``<...>`` whose ``<`` is before ``position``, without CFWS.

    ``None`` when it holds a nested ``<``, a stray ``)`` or backslash, or words that cannot be
    one address; it then ends at the next ``>``, or at the end of the text if it is not closed.
    """
    words: list[str] = []
    current: list[str] = []
    broken = False
    length = len(text)
    while position < length:
        match = _ANGLE_TOKEN.match(text, position)
        assert match is not None
        kind, lexeme, position = match.lastgroup, match.group(), match.end()
        if kind in ("space", "special") and current:
            words.append("".join(current))
            current = []
        if kind == "space":
            continue
        if kind != "special":
            current.append(lexeme)
            continue
        if lexeme == ">":
            if broken or not _joinable(words, _ANGLE_JOINS):
                return position, None
            return position, "".join(words)
        if lexeme != "(":
            broken = True  # a nested "<", a stray ")" or backslash: skip to the ">"
            continue
        position, comment = _skip_comment(text, position)
        if comment is None:
            return length, None
    return length, None


def first_angle_content(text: str) -> str | None:
    """The content of the first ``<...>`` of ``text`` without comments and whitespace.

    For obsolete message ids (RFC 5322 §4.5.4): ``<1234 @ local(blah) .machine .example>``.
    """
    start = text.find("<")
    if start < 0:
        return None
    content = _angle_address(text, start + 1)[1]
    return content or None


def _joinable(words: list[str], joins: tuple[str, ...]) -> bool:
    """Words of one address may only be split next to ``joins`` (obsolete syntax)."""
    return all(left.endswith(joins) or right.startswith(joins) for left, right in pairwise(words))


def _finish(
    entry: _Entry, result: AddressList, limit: int, problems: Problems, *, repaired: bool = False
) -> bool:
    """Validate one entry and add its mailboxes; returns False once the list is full.

    ``repaired``: the entry ends at a second ``<`` (its trailing words belong to the next).
    """
    if entry.empty():
        return True
    mailboxes = None if entry.broken else _mailboxes(entry, problems, repaired=repaired)
    if mailboxes is None:
        result.invalid = True
        problems.add(Problem.ADDRESS_INVALID)
        return True
    for mailbox in mailboxes:
        if len(result.mailboxes) >= limit:
            result.truncated = True
            return False
        result.mailboxes.append(mailbox)
    return True


def _mailboxes(entry: _Entry, problems: Problems, *, repaired: bool) -> list[Mailbox] | None:
    """The mailboxes of one entry, or None when it is invalid or ambiguous."""
    if entry.angle is None:
        return _bare_mailboxes(entry.words, entry.comment, problems)
    address = entry.angle
    if address.startswith("@") and ":" in address:
        address = address.rpartition(":")[2]  # obsolete source route
    if not _valid_address(address):
        return None
    name = " ".join(_word_text(kind, text) for kind, text in entry.words)  # a comment is no name
    found = [_mailbox(name, address, problems)]
    if entry.after and not repaired:
        # "<a@x> b@y": another address without a comma; anything else is ambiguous.
        more = _bare_mailboxes(entry.after, None, problems)
        if more is None or any(mailbox.name for mailbox in more):
            return None
        problems.add(Problem.ADDRESS_REPAIRED)
        found += more
    return found


def _bare_mailboxes(
    words: list[tuple[str, str]], comment: str | None, problems: Problems
) -> list[Mailbox] | None:
    """Addresses without ``<...>``: one, or several, each after its (unquoted) name."""
    runs: list[list[tuple[str, str]]] = []
    for word in words:
        if runs and _joinable([runs[-1][-1][1], word[1]], _JOINS):
            runs[-1].append(word)
        else:
            runs.append([word])
    if len(runs) == 1:
        address = "".join(text for _, text in runs[0])
        if not _valid_address(address):
            return None
        return [_mailbox(comment or "", address, problems)]
    found: list[Mailbox] = []
    names: list[str] = []
    for run in runs:
        text = "".join(piece for _, piece in run)
        if "@" not in text or (run[0][0] == "quoted" and len(run) == 1):
            names.append(" ".join(_word_text(kind, piece) for kind, piece in run))
        elif _valid_address(text):
            found.append(_mailbox(" ".join(names), text, problems))
            names = []
        else:
            return None
    if not found or names:
        return None  # no address, or words after the last one: not clear
    problems.add(Problem.ADDRESS_REPAIRED)
    return found


def _mailbox(name: str, address: str, problems: Problems) -> Mailbox:
    name = decode_encoded_words(name, problems) if "=?" in name else name
    return Mailbox(name=clean_line(name, MAX_NAME_LENGTH, problems), address=address)


def _word_text(kind: str, text: str) -> str:
    if kind != "quoted":
        return text
    inner = text[1:-1] if len(text) > 1 and text.endswith('"') else text[1:]
    return _QUOTED_PAIR.sub(r"\1", inner) if "\\" in inner else inner


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
