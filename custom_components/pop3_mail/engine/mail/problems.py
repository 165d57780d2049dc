"""What can go wrong while summarising a message, as short machine-readable codes.

A summary that carries problems is still usable: every field holds what could be recovered.
The codes are part of the JSON form of :class:`~.model.MailSummary` (``problems``); keep them
stable and add new ones rather than renaming.
"""

from __future__ import annotations

from enum import StrEnum


class Problem(StrEnum):
    """One kind of damage found (and worked around) while summarising."""

    HEADER_TRUNCATED = "header_truncated"
    """The header block, one header or the number of headers went over its cap; the rest was
    ignored."""
    HEADERS_MALFORMED = "headers_malformed"
    """Lines in a header block that are not headers (no colon, 8-bit or empty name, an orphan
    continuation) were skipped, or a Message-ID was unusable."""
    CHARSET_UNKNOWN = "charset_unknown"
    """A declared charset is not a WHATWG label (or maps to the WHATWG ``replacement``
    encoding); the text was read as UTF-8 with replacement characters."""
    CHARSET_FALLBACK = "charset_fallback"
    """Bytes were invalid in their charset (replacement characters inserted), or raw 8-bit
    header or body text without a declared charset was not UTF-8 and was read as
    windows-1252."""
    ENCODING_BROKEN = "encoding_broken"
    """Broken base64 or quoted-printable (in a body or an encoded word), or an unknown
    Content-Transfer-Encoding; decoded leniently."""
    CONTROL_CHARS = "control_chars"
    """NUL or other control characters were removed from a text field."""
    FIELD_TRUNCATED = "field_truncated"
    """A text field (subject, name, filename, ...) was cut to its length bound."""
    ADDRESS_INVALID = "address_invalid"
    """An entry of From/To/Cc could not be parsed strictly and was dropped."""
    ADDRESS_REPAIRED = "address_repaired"
    """An entry of From/To/Cc broke the syntax in a way whose intent is clear, and was read as
    mail clients read it: an address after an unquoted name (``Big Bug bb@bug.com``), or two
    addresses without a comma between them."""
    ADDRESS_LIST_TRUNCATED = "address_list_truncated"
    """To or Cc held more addresses than the cap; the rest were ignored."""
    BAD_DATE = "bad_date"
    """A Date header was present but unparseable or out of range; ``date`` is None."""
    DATE_NO_ZONE = "date_no_zone"
    """The Date had no usable zone (none, ``-0000`` or an unknown name); it was read as UTC."""
    MIME_MALFORMED = "mime_malformed"
    """A multipart without a boundary parameter; its content was ignored."""
    MIME_DEPTH_EXCEEDED = "mime_depth_exceeded"
    """Multiparts nested deeper than the cap; the deeper parts were ignored."""
    MIME_PARTS_EXCEEDED = "mime_parts_exceeded"
    """More MIME parts than the cap; the rest were ignored."""
    ATTACHMENTS_TRUNCATED = "attachments_truncated"
    """More attachments than the cap; only the first ones are listed."""
    BODY_TRUNCATED = "body_truncated"
    """The data ended inside the body: a multipart was not closed, or (for ``TOP``) fewer
    bytes than the message size were fetched."""
    HTML_MALFORMED = "html_malformed"
    """The HTML parser gave up on the text body; the snippet holds the text up to that point."""
    INTERNAL_ERROR = "internal_error"
    """A bug: summarising failed unexpectedly and only the identity fields are set."""


class Problems:
    """Ordered, duplicate-free collection of the problems found in one message."""

    __slots__ = ("_found",)

    def __init__(self) -> None:
        """Start with no problems."""
        self._found: dict[str, None] = {}

    def add(self, problem: Problem) -> None:
        """Record a problem (once, in the order first seen)."""
        self._found[problem.value] = None

    def __contains__(self, problem: object) -> bool:
        """Whether ``problem`` was recorded."""
        return problem in self._found

    def as_tuple(self) -> tuple[str, ...]:
        """The codes as plain strings, for :attr:`MailSummary.problems`."""
        return tuple(self._found)
