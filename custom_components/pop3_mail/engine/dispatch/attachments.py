"""Attachments of a whole message (``RETR``), for notifications that carry them.

Parsing runs in an executor (a whole message can be megabytes) and never raises: a message
that cannot be taken apart simply yields fewer attachments.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError, MessageError
from email.message import EmailMessage
from email.parser import BytesParser

_LOGGER = logging.getLogger(__name__)

MAX_PARTS = 200
"""MIME parts looked at per message (hostile mail can nest thousands)."""
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_PARSE_ERRORS = (
    LookupError,
    ValueError,
    UnicodeError,
    RecursionError,
    HeaderParseError,
    MessageError,
    TypeError,
    AttributeError,
)


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """One attachment's decoded content and a file name safe for any filesystem."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """Decoded size in bytes."""
        return len(self.data)


def extract_attachments(raw: bytes, *, max_total_bytes: int) -> list[AttachmentFile]:
    """Attachments of ``raw`` in message order, as many as fit in ``max_total_bytes``.

    An attachment that does not fit is skipped (smaller later ones may still fit). Blocking.
    """
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except _PARSE_ERRORS as err:
        _LOGGER.warning("Cannot parse a message for its attachments (%s)", type(err).__name__)
        return []
    found: list[AttachmentFile] = []
    budget = max_total_bytes
    skipped = 0
    for index, part in enumerate(_leaf_parts(message), start=1):
        attachment = _attachment(part, index)
        if attachment is None:
            continue
        if attachment.size > budget:
            skipped += 1
            continue
        budget -= attachment.size
        found.append(attachment)
    if skipped:
        _LOGGER.info(
            "%d attachment(s) left out: over the %d byte limit for notifications",
            skipped,
            max_total_bytes,
        )
    return found


def _leaf_parts(message: EmailMessage) -> list[EmailMessage]:
    """Non-multipart parts, depth first, iteratively (no recursion limit to hit)."""
    leaves: list[EmailMessage] = []
    stack: list[EmailMessage] = [message]
    visited = 0
    while stack and visited < MAX_PARTS:
        part = stack.pop()
        visited += 1
        try:
            if part.is_multipart():
                children = part.get_payload()
                if isinstance(children, list):
                    stack.extend(reversed([c for c in children if isinstance(c, EmailMessage)]))
                continue
        except _PARSE_ERRORS:
            continue
        leaves.append(part)
    return leaves


def _attachment(part: EmailMessage, index: int) -> AttachmentFile | None:
    try:
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if disposition != "attachment" and not (filename and disposition != "inline"):
            return None
        data = part.get_payload(decode=True)
        content_type = part.get_content_type()
    except _PARSE_ERRORS:
        return None
    if not isinstance(data, bytes):
        return None
    return AttachmentFile(
        filename=safe_filename(filename, index), content_type=content_type, data=data
    )


def safe_filename(name: str | None, index: int) -> str:
    """A file name without path separators or control characters, at most 100 characters."""
    cleaned = _UNSAFE_NAME.sub("_", name or "").strip(" .")
    if not cleaned:
        return f"attachment-{index}"
    if len(cleaned) > 100:
        stem, dot, suffix = cleaned.rpartition(".")
        cleaned = stem[: 99 - len(suffix)] + dot + suffix if dot and len(suffix) <= 10 else ""
        cleaned = cleaned or f"attachment-{index}"
    return cleaned
