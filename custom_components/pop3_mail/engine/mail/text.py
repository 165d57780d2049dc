"""Making decoded text safe to publish: one line, no control characters, bounded length.

Every text field of a summary ends up in Home Assistant states and attributes, MQTT payloads,
push notifications and logs. States must be single-line, NUL and escape sequences must never
reach a terminal or a log, and lone surrogates cannot be encoded as UTF-8 (they would make JSON
serialisation fail later). So every field goes through :func:`clean_line`.
"""

from __future__ import annotations

import re

from .problems import Problem, Problems

# Removed: C0 and C1 controls and DEL (except the whitespace ones, which become spaces below),
# lone surrogates. Whitespace: any run of Unicode whitespace, including the line and paragraph
# separators and the "information separators" 0x1C-0x1F, becomes one space.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]+")
_WHITESPACE = re.compile(r"\s+")


def collapse(text: str) -> tuple[str, bool]:
    """Remove control characters and collapse whitespace to single spaces.

    Returns the cleaned text (stripped) and whether control characters were removed.
    """
    cleaned = _CONTROL.sub("", text)
    removed = len(cleaned) != len(text)
    return _WHITESPACE.sub(" ", cleaned).strip(), removed


def clean_line(text: str, limit: int, problems: Problems) -> str:
    """One safe line of at most ``limit`` characters; damage is recorded in ``problems``."""
    cleaned, removed = collapse(text)
    if removed:
        problems.add(Problem.CONTROL_CHARS)
    if len(cleaned) > limit:
        problems.add(Problem.FIELD_TRUNCATED)
        cleaned = cleaned[:limit].rstrip()
    return cleaned


def clean_prefix(text: str, limit: int, problems: Problems) -> str:
    """Like :func:`clean_line` for a snippet: cut silently, and cheap for a long ``text``.

    Cleaning only removes and shrinks, so the clean form of a prefix is a prefix of the clean
    form of the whole: once it reaches ``limit`` characters, the rest cannot change the result.
    """
    window = limit * 2 + 64
    while True:
        cleaned, removed = collapse(text[:window])
        if len(cleaned) >= limit or window >= len(text):
            if removed:
                problems.add(Problem.CONTROL_CHARS)
            return cleaned[:limit].rstrip()
        window *= 4
