"""``summarize``: raw mail (``TOP`` or ``RETR`` output) to a safe :class:`MailSummary`.

This is the one entry point the rest of the product calls, for up to thousands of messages per
poll and inside Home Assistant's event loop, on mail written by anyone. So it never raises, its
work is bounded and linear in the input, and every field is decoded, sanitised and capped:

* Headers are split by :mod:`.headers` (caps: 256 KiB block, 1,000 headers, 64 KiB a value).
  The stdlib ``email`` parser is not used for structure: it drops every header after an 8-bit
  header name, recurses per MIME level and per nested comment, is quadratic on long address
  lists and decodes charsets with Python's codec names. Its policy-free primitives are used
  (``binascii``, ``parsedate_to_datetime``, ``html.parser``), each guarded.
* Subject: the first one wins; RFC 2047 decoded; at most :data:`MAX_SUBJECT` characters.
* From: the first valid mailbox of the first From header. To/Cc: every To (Cc) header, at most
  :data:`MAX_RECIPIENTS` addresses each, strictly parsed (:mod:`.addresses`).
* Date: ISO 8601 with offset; a zone-less Date is read as UTC and flagged (:mod:`.dates`).
* Message-ID: the first ``<...>`` of the first Message-ID header (or its single word); comments
  and spaces inside it (obsolete syntax) are removed.
* Snippet: the first ``snippet_length`` characters of the text body (plain preferred, else HTML
  converted to text), on one line: all whitespace, newlines included, collapses to one space.
* Attachments: see :mod:`.mime`; sizes only when ``complete``.

Every text field is one line without control characters (see :mod:`.text`). What went wrong
is listed in ``problems`` (codes in :class:`.problems.Problem`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from .addresses import first_angle_content, parse_address_list
from .body_text import body_text
from .dates import parse_date
from .encoded_words import decode_encoded_words, decode_header_bytes
from .headers import MESSAGE_HEADER_LIMITS, HeaderBlock, parse_header_block
from .mime import CONTENT_FIELDS, part_info, walk
from .model import MailSummary, summary_id
from .problems import Problem, Problems
from .text import clean_line, clean_prefix, collapse

_LOGGER = logging.getLogger(__name__)

MAX_SUBJECT = 1000
MAX_RECIPIENTS = 100
MAX_MESSAGE_ID = 998
MAX_SNIPPET = 10_000
"""Upper bound for ``snippet_length`` (Home Assistant event data is limited to 32 KiB)."""
# A fetch counts as complete when it is at most this many bytes shorter than the LIST size
# (clients differ in whether they keep the line break before the terminating ".").
_SIZE_SLACK = 2

_MESSAGE_FIELDS = CONTENT_FIELDS | {"subject", "from", "to", "cc", "date", "message-id"}
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def summarize(
    raw: bytes,
    *,
    account_key: str,
    uid: str,
    number: int,
    size: int,
    snippet_length: int = 200,
    complete: bool = False,
) -> MailSummary:
    """Summarise one message; never raises.

    ``raw`` is the output of ``TOP n k`` (headers and the first ``k`` body lines,
    ``complete=False``) or a whole message from ``RETR`` (``complete=True``), dot-unstuffed.
    ``size`` is the message's LIST size (0 when unknown). ``snippet_length`` is clamped to
    0..:data:`MAX_SNIPPET`.
    """
    identity = MailSummary(
        id=summary_id(account_key, uid), uid=uid, number=number, size=size, complete=complete
    )
    try:
        return _summarize(
            bytes(raw), identity, snippet_length=min(max(snippet_length, 0), MAX_SNIPPET)
        )
    except Exception:
        # A bug, not bad mail (bad mail is handled above); keep the poller alive.
        _LOGGER.exception("Could not summarise message %s; only its identity is kept", number)
        return replace(identity, problems=(Problem.INTERNAL_ERROR.value,))


def _summarize(raw: bytes, identity: MailSummary, *, snippet_length: int) -> MailSummary:
    problems = Problems()
    headers = parse_header_block(
        raw,
        0,
        len(raw),
        wanted=_MESSAGE_FIELDS,
        limits=MESSAGE_HEADER_LIMITS,
        problems=problems,
    )
    from_name, from_address = _sender(headers, problems)
    structure = walk(
        raw,
        part_info(headers, "text/plain", problems),
        headers.body_start,
        complete=identity.complete,
        problems=problems,
    )
    snippet = ""
    if structure.body is not None and snippet_length:
        text = body_text(
            raw,
            structure.body,
            want=snippet_length,
            complete=identity.complete,
            problems=problems,
        )
        snippet = clean_prefix(text, snippet_length, problems)
    if not identity.complete and _wire_length(raw) + _SIZE_SLACK < identity.size:
        problems.add(Problem.BODY_TRUNCATED)
    return replace(
        identity,
        subject=_subject(headers, problems),
        from_name=from_name,
        from_address=from_address,
        to=_recipients(headers, "to", problems),
        cc=_recipients(headers, "cc", problems),
        date=_date(headers, problems),
        message_id=_message_id(headers, problems),
        snippet=snippet,
        attachments=tuple(structure.attachments),
        problems=problems.as_tuple(),
    )


def _subject(headers: HeaderBlock, problems: Problems) -> str:
    value = headers.first("subject")
    if value is None:
        return ""
    text = decode_encoded_words(decode_header_bytes(value, problems), problems)
    return clean_line(text, MAX_SUBJECT, problems)


def _sender(headers: HeaderBlock, problems: Problems) -> tuple[str, str]:
    value = headers.first("from")
    if value is None:
        return "", ""
    found = parse_address_list(decode_header_bytes(value, problems), 1, problems).mailboxes
    return (found[0].name, found[0].address) if found else ("", "")


def _recipients(headers: HeaderBlock, name: str, problems: Problems) -> tuple[str, ...]:
    values = headers.fields.get(name)
    if not values:
        return ()
    text = ", ".join(decode_header_bytes(value, problems) for value in values)
    found = parse_address_list(text, MAX_RECIPIENTS, problems)
    if found.truncated:
        problems.add(Problem.ADDRESS_LIST_TRUNCATED)
    return tuple(mailbox.address for mailbox in found.mailboxes)


def _date(headers: HeaderBlock, problems: Problems) -> str | None:
    value = headers.first("date")
    if value is None:
        return None
    return parse_date(collapse(decode_header_bytes(value, problems))[0], problems)


def _message_id(headers: HeaderBlock, problems: Problems) -> str | None:
    value = headers.first("message-id")
    if value is None:
        return None
    text = clean_line(decode_header_bytes(value, problems), MAX_MESSAGE_ID + 1, problems)
    match = _MESSAGE_ID.search(text)
    if match is not None and len(match.group()) <= MAX_MESSAGE_ID:
        return match.group()
    content = first_angle_content(text) if match is None else None
    if content is not None and len(content) + 2 <= MAX_MESSAGE_ID:
        return f"<{content}>"  # obsolete syntax: comments and spaces inside
    if text and " " not in text and len(text) <= MAX_MESSAGE_ID:
        return text
    if text:
        problems.add(Problem.HEADERS_MALFORMED)
    return None


def _wire_length(raw: bytes) -> int:
    """Length of ``raw`` with every line ending counted as CRLF, as servers count sizes."""
    return len(raw) + raw.count(b"\n") - raw.count(b"\r\n")
