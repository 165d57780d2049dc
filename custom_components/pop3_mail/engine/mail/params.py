"""Content-Type and Content-Disposition: the value and its parameters (RFC 2045, RFC 2231).

RFC 2231 parameters (``filename*=utf-8''%E2%82%AC.pdf``, continuations ``name*0*=...;
name*1*=...``) win over plain ones, which mailers send as a fallback. Plain values are also
searched for RFC 2047 encoded words, which Outlook and Gmail put in quoted filenames although
the RFC forbids it. Parsing is bounded: at most :data:`MAX_PARAMS` parameters and
:data:`MAX_SECTIONS` continuation sections per parameter are looked at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice
from urllib.parse import unquote_to_bytes

from .charsets import decode_header_declared, decode_undeclared
from .encoded_words import decode_encoded_words
from .problems import Problems

MAX_PARAMS = 64
MAX_SECTIONS = 100

# One ";"-separated segment: quoted strings may contain ";".
_SEGMENT = re.compile(r'(?:"[^"\\]*(?:\\.[^"\\]*)*"?|[^;"])+')
_QUOTED_PAIR = re.compile(r"\\(.)")
_TOKEN = re.compile(r"[!#-'*+\-.0-9A-Z^-~]+")
_SECTION = re.compile(r"([0-9]{1,3})(\*?)")


@dataclass(slots=True)
class ContentField:
    """A parsed Content-Type or Content-Disposition value."""

    value: str = ""
    """The lower-case value (``text/plain``, ``attachment``), or ``""`` when missing or invalid."""
    params: dict[str, str] = field(default_factory=dict)
    """Lower-case parameter names to decoded values."""


@dataclass(slots=True)
class _Sections:
    parts: dict[int, tuple[bool, str]] = field(default_factory=dict)


def parse_content_field(text: str, problems: Problems) -> ContentField:
    """Parse ``type/subtype; name=value; ...`` (or a disposition) leniently."""
    segments = [match.group() for match in islice(_SEGMENT.finditer(text), MAX_PARAMS + 1)]
    if not segments:
        return ContentField()
    value = _strip_comment(segments[0]).lower()
    result = ContentField(value=value if _is_value(value) else "")
    plain: dict[str, str] = {}
    extended: dict[str, str] = {}
    sections: dict[str, _Sections] = {}
    for segment in segments[1:]:
        name, equals, raw_value = segment.partition("=")
        name = name.strip().lower()
        if not equals or not name:
            continue
        param_value = _unquote(raw_value)
        base, star, section = name.partition("*")
        if not star:
            plain.setdefault(name, param_value)
        elif not section:
            extended.setdefault(base, param_value)
        elif match := _SECTION.fullmatch(section):
            parts = sections.setdefault(base, _Sections()).parts
            if len(parts) < MAX_SECTIONS:
                parts.setdefault(int(match.group(1)), (bool(match.group(2)), param_value))
    for name, param_value in plain.items():
        result.params[name] = decode_encoded_words(param_value, problems)
    for name, param_value in extended.items():
        result.params[name] = _decode_extended([(True, param_value)], problems)
    for name, found in sections.items():
        result.params[name] = _decode_extended(
            [found.parts[index] for index in sorted(found.parts)], problems
        )
    return result


def _is_value(value: str) -> bool:
    kind, slash, subtype = value.partition("/")
    if not slash:
        return _TOKEN.fullmatch(value) is not None
    return _TOKEN.fullmatch(kind) is not None and _TOKEN.fullmatch(subtype) is not None


def _strip_comment(text: str) -> str:
    return text.partition("(")[0].strip()


def _unquote(raw_value: str) -> str:
    raw_value = raw_value.strip()
    if not raw_value.startswith('"'):
        return _strip_comment(raw_value)
    closing = raw_value.endswith('"') and len(raw_value) > 1
    inner = raw_value[1:-1] if closing else raw_value[1:]
    return _QUOTED_PAIR.sub(r"\1", inner) if "\\" in inner else inner


def _decode_extended(sections: list[tuple[bool, str]], problems: Problems) -> str:
    """Join RFC 2231 sections; the first extended one names the charset."""
    charset: str | None = None
    data = bytearray()
    for index, (is_extended, text) in enumerate(sections):
        if not is_extended:
            data += text.encode("utf-8", "replace")
            continue
        encoded = text
        if index == 0 and text.count("'") >= 2:
            label, _, encoded = text.split("'", 2)
            charset = label or None
        data += unquote_to_bytes(encoded)
    if charset is None:
        return decode_undeclared(bytes(data), problems)
    return decode_header_declared(bytes(data), charset, problems)
