"""Strict validators and readable errors, for every configuration a user writes.

The rule format (Home Assistant's options and the daemon's YAML) and the daemon's configuration
use these, so one value is checked, and explained, the same way everywhere. Values are checked
strictly: YAML ``"995"`` is not a port and ``yes`` is not a number, because a silently coerced
value is harder to debug than a clear error when the configuration is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import voluptuous as vol

Validator = Callable[[Any], Any]

_PLAIN_WORDS = {
    "extra keys not allowed": "unknown key",
    "required key not provided": "required",
    "expected dict": "expected a mapping (key: value)",
    "expected a dictionary": "expected a mapping (key: value)",
}
"""Voluptuous's own messages, said the way the rest of our messages are."""


def integer(minimum: int, maximum: int) -> Validator:
    """An int (not a bool, not a string) within ``minimum..maximum``."""

    def validate(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise vol.Invalid("expected int")
        if not minimum <= value <= maximum:
            raise vol.Invalid(f"must be between {minimum} and {maximum}")
        return value

    return validate


def boolean(value: Any) -> bool:
    """A YAML boolean (``true``/``false``), nothing else."""
    if not isinstance(value, bool):
        raise vol.Invalid("expected true or false")
    return value


def text(value: Any) -> str:
    """A non-empty string without control characters."""
    if not isinstance(value, str):
        raise vol.Invalid("expected a string")
    if not value.strip():
        raise vol.Invalid("must not be empty")
    if any(ord(char) < 32 for char in value):
        raise vol.Invalid("must not contain control characters")
    return value


def secret_text(value: Any) -> str:
    """A secret given inline; it may contain anything but must not be empty.

    The value never appears in an error message.
    """
    if not isinstance(value, str):
        raise vol.Invalid("expected a string (quote it in YAML)")
    if not value:
        raise vol.Invalid("must not be empty")
    return value


def choice(options: Sequence[str]) -> Validator:
    """One of ``options`` (case-sensitive, as documented)."""

    def validate(value: Any) -> str:
        if value not in options:
            raise vol.Invalid("expected one of " + ", ".join(options))
        return str(value)

    return validate


def each(item: Validator, *, minimum: int = 0) -> Validator:
    """A list whose items are all checked, so every bad item is reported (not just the first)."""

    def validate(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise vol.Invalid("expected a list")
        if len(value) < minimum:
            raise vol.Invalid(f"needs at least {minimum} entr{'y' if minimum == 1 else 'ies'}")
        results: list[Any] = []
        errors: list[vol.Invalid] = []
        for index, entry in enumerate(value):
            try:
                results.append(item(entry))
            except vol.Invalid as err:
                err.prepend([index])
                errors.extend(err.errors if isinstance(err, vol.MultipleInvalid) else [err])
        if errors:
            raise vol.MultipleInvalid(errors)
        return results

    return validate


def format_path(path: Sequence[object]) -> str:
    """``["accounts", 1, "port"]`` → ``accounts[1].port`` (empty for the top level)."""
    out = ""
    for part in path:
        key = getattr(part, "schema", part)  # voluptuous may leave Marker objects in paths
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            shown = str(key)
            if "://" in shown or "@" in shown:
                shown = "<hidden key>"  # someone pasted a secret URL where a key belongs
            out += f".{shown}" if out else shown
    return out


def describe_errors(
    error: vol.Invalid,
    *,
    top_level: str = "(top level)",
    suggest: Callable[[Sequence[object]], str] | None = None,
) -> list[str]:
    """One ``path: problem`` line per error (duplicates once), in plain words.

    ``suggest`` may add a hint to an unknown key (``" (did you mean port?)"``).
    """
    errors = error.errors if isinstance(error, vol.MultipleInvalid) else [error]
    lines: list[str] = []
    for err in errors:
        message = str(err.msg)
        message = _PLAIN_WORDS.get(message, message)
        if message == "unknown key" and suggest is not None:
            message += suggest(err.path)
        path = format_path(err.path)
        line = f"{path or top_level}: {message}" if path or top_level else message
        if line not in lines:
            lines.append(line)
    return lines
