"""Text conditions of a rule: case-insensitive "contains" or ``regex:<pattern>``.

"contains" compares Unicode-caselessly (``casefold`` on canonically decomposed text, so
``STRASSE`` finds ``Straße`` and a composed ``é`` finds a decomposed one). Regular expressions
are searched case-insensitively on at most :data:`REGEX_INPUT_LIMIT` characters, and patterns
with nested unbounded quantifiers (``(a+)+``), which can take exponential time, are refused
when the rule is validated.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..mail.model import MailSummary

REGEX_PREFIX = "regex:"
REGEX_INPUT_LIMIT = 2000
"""Characters of each field a regular expression looks at (bounds the time per match)."""


class MatchField(StrEnum):
    """What part of a message a condition looks at."""

    FROM = "from"
    """Sender address, display name, or ``Name <address>``."""
    TO = "to"
    """Any ``To`` or ``Cc`` recipient."""
    SUBJECT = "subject"
    BODY = "body"
    """The snippet (the first characters of the text body)."""


class InvalidConditionError(ValueError):
    """A condition that cannot be used; the message says why (safe to show)."""


def fold(text: str) -> str:
    """Caseless, canonically equivalent form of ``text`` for "contains" comparisons."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).casefold())


@dataclass(frozen=True, slots=True)
class TextCondition:
    """One ``field: value`` condition of a rule's ``match`` block."""

    field: MatchField
    source: str
    """The value as written in the rule."""
    needle: str | None = None
    """Folded text for "contains"; ``None`` for a regular expression."""
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, match_field: MatchField, value: str) -> TextCondition:
        """Build a condition; raises :class:`InvalidConditionError` for an unusable value."""
        if value.startswith(REGEX_PREFIX):
            return cls(match_field, value, pattern=compile_pattern(value[len(REGEX_PREFIX) :]))
        if not value.strip():
            raise InvalidConditionError(
                "empty text would match every message; leave it out instead"
            )
        return cls(match_field, value, needle=fold(value))

    def matches(self, summary: MailSummary) -> bool:
        """Whether any of the field's values contains (or matches) the condition."""
        return any(self._test(value) for value in field_values(summary, self.field))

    def _test(self, value: str) -> bool:
        if self.pattern is not None:
            text = unicodedata.normalize("NFC", value[:REGEX_INPUT_LIMIT])
            return self.pattern.search(text) is not None
        assert self.needle is not None
        return self.needle in fold(value)


def field_values(summary: MailSummary, match_field: MatchField) -> list[str]:
    """The texts of ``summary`` a condition on ``match_field`` is tried against."""
    match match_field:
        case MatchField.FROM:
            values = [summary.from_name, summary.from_address]
            if summary.from_name and summary.from_address:
                values.append(f"{summary.from_name} <{summary.from_address}>")
            return [value for value in values if value]
        case MatchField.TO:
            return [*summary.to, *summary.cc]
        case MatchField.SUBJECT:
            return [summary.subject]
        case MatchField.BODY:
            return [summary.snippet]


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a rule's regular expression (case-insensitive) after checking it is safe."""
    if not pattern:
        raise InvalidConditionError("invalid regex: the pattern is empty")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as err:
        raise InvalidConditionError(f"invalid regex: {err}") from None
    if _has_nested_unbounded_repeat(pattern):
        raise InvalidConditionError(
            "invalid regex: nested unbounded quantifiers such as (a+)+ can take exponential "
            "time; bound one of them ({1,20}) or make it possessive (++, *+)"
        )
    return compiled


def _has_nested_unbounded_repeat(pattern: str) -> bool:
    """Whether a greedy or lazy ``*``/``+``/``{n,}`` sits inside another one.

    Uses the standard library's regex parser (private, but part of CPython since 3.11); when
    it is not available the check is skipped and only the input length limit protects.
    """
    try:
        parser: Any = importlib.import_module("re._parser")
        tree = parser.parse(pattern, re.IGNORECASE)
    except (ImportError, AttributeError, re.error):
        return False
    backtracking = {parser.MAX_REPEAT, parser.MIN_REPEAT}
    # Possessive repeats and atomic groups never give characters back, so what they contain
    # cannot multiply the work of an enclosing repeat.
    non_backtracking = {parser.POSSESSIVE_REPEAT, parser.ATOMIC_GROUP}

    def walk(items: Any, inside_repeat: bool) -> bool:
        for op, argument in items:
            if op in backtracking:
                _minimum, maximum, body = argument
                repeats = maximum == parser.MAXREPEAT
                if repeats and inside_repeat:
                    return True
                if walk(body, inside_repeat or repeats):
                    return True
                continue
            nested = inside_repeat and op not in non_backtracking
            for sub in _subpatterns(argument, parser.SubPattern):
                if walk(sub, nested):
                    return True
        return False

    return walk(tree, inside_repeat=False)


def _subpatterns(argument: Any, subpattern_type: type) -> list[Any]:
    """Sub-patterns nested anywhere in a parsed regex node's argument."""
    if isinstance(argument, subpattern_type):
        return [argument]
    if isinstance(argument, (tuple, list)):
        found: list[Any] = []
        for item in argument:
            found.extend(_subpatterns(item, subpattern_type))
        return found
    return []
