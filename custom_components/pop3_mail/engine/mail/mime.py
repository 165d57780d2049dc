"""The MIME structure of a message: which part is the text body, which parts are attachments.

An iterative walk over offsets into the raw bytes: nothing is copied or decoded except part
headers. The stdlib parser recurses per nesting level (RecursionError at about 1,000 nested
multiparts) and parses every part; here nesting is capped at :attr:`MimeLimits.max_depth`, the
number of parts at :attr:`MimeLimits.max_parts`, and each multipart's body is scanned once for
its boundary, so the work is linear in the input times the (capped) depth.

Body choice follows ``EmailMessage.get_body(("plain", "html"))``: the first text/plain part that
is not an attachment, else the first text/html one. Attachments are parts with
``Content-Disposition: attachment`` or a filename, and other non-text leaves (PDFs, forwarded
``message/rfc822``) except the inline resources of a ``multipart/related`` (pictures of an HTML
body).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .encoded_words import decode_header_bytes
from .headers import PART_HEADER_LIMITS, HeaderBlock, parse_header_block
from .model import Attachment
from .params import ContentField, parse_content_field
from .problems import Problem, Problems
from .text import clean_line
from .transfer import decoded_size, normalize_transfer_encoding

CONTENT_FIELDS = frozenset({"content-type", "content-transfer-encoding", "content-disposition"})
MAX_FILENAME_LENGTH = 255
MAX_CONTENT_TYPE_LENGTH = 127
_TEXT_BODY_TYPES = frozenset({"text/plain", "text/html"})


@dataclass(frozen=True, slots=True)
class MimeLimits:
    """Caps on the MIME walk."""

    max_depth: int = 50
    """Multipart nesting levels that are followed."""
    max_parts: int = 500
    """Parts (multiparts included) that are looked at."""
    max_attachments: int = 100
    """Attachments that are listed."""


DEFAULT_LIMITS = MimeLimits()


@dataclass(frozen=True, slots=True)
class PartInfo:
    """What the headers of one part say about its content."""

    content_type: str
    params: dict[str, str]
    transfer_encoding: str
    disposition: str
    filename: str

    @property
    def maintype(self) -> str:
        """``text`` of ``text/plain``."""
        return self.content_type.partition("/")[0]

    @property
    def subtype(self) -> str:
        """``plain`` of ``text/plain``."""
        return self.content_type.partition("/")[2]


@dataclass(frozen=True, slots=True)
class TextBody:
    """The part chosen as the message text: where its encoded content lies and how to decode it."""

    start: int
    end: int
    html: bool
    charset: str | None
    transfer_encoding: str
    open_ended: bool
    """The part runs to the end of the data (it may have been cut off there)."""


@dataclass(slots=True)
class MimeStructure:
    """Result of :func:`walk`."""

    body: TextBody | None = None
    attachments: list[Attachment] = field(default_factory=list)


def part_info(block: HeaderBlock, default_type: str, problems: Problems) -> PartInfo:
    """Interpret the content headers of a part (RFC 2045 defaults for missing or bad ones)."""
    content_type = _content_field(block.first("content-type"), problems)
    disposition = _content_field(block.first("content-disposition"), problems)
    encoding = block.first("content-transfer-encoding")
    filename = disposition.params.get("filename") or content_type.params.get("name") or ""
    type_value = content_type.value if "/" in content_type.value else default_type
    return PartInfo(
        content_type=type_value,
        params=content_type.params,
        transfer_encoding=normalize_transfer_encoding(
            decode_header_bytes(encoding, problems) if encoding is not None else ""
        ),
        disposition=disposition.value,
        filename=filename,
    )


def _content_field(value: bytes | None, problems: Problems) -> ContentField:
    if value is None:
        return ContentField()
    return parse_content_field(decode_header_bytes(value, problems), problems)


@dataclass(frozen=True, slots=True)
class _Part:
    start: int
    end: int
    depth: int
    info: PartInfo
    parent_subtype: str


def walk(
    raw: bytes,
    top: PartInfo,
    body_start: int,
    *,
    complete: bool,
    problems: Problems,
    limits: MimeLimits = DEFAULT_LIMITS,
) -> MimeStructure:
    """Find the text body and the attachments of the message whose body starts at ``body_start``."""
    structure = MimeStructure()
    plain: TextBody | None = None
    html: TextBody | None = None
    created = 1
    stack = [_Part(body_start, len(raw), 0, top, "")]
    while stack:
        part = stack.pop()
        info = part.info
        if info.maintype == "multipart":
            children = _children(raw, part, limits.max_depth, limits.max_parts - created, problems)
            created += len(children)
            stack.extend(reversed(children))
            continue
        if info.content_type in _TEXT_BODY_TYPES and not _is_attachment(info):
            body = TextBody(
                start=part.start,
                end=part.end,
                html=info.content_type == "text/html",
                charset=info.params.get("charset"),
                transfer_encoding=info.transfer_encoding,
                open_ended=part.end == len(raw),
            )
            if body.html:
                html = html or body
            else:
                plain = plain or body
        elif _is_attachment(info) or part.parent_subtype != "related":
            if len(structure.attachments) >= limits.max_attachments:
                problems.add(Problem.ATTACHMENTS_TRUNCATED)
                continue
            structure.attachments.append(
                _attachment(raw, part, complete=complete, problems=problems)
            )
    structure.body = plain or html
    return structure


def _is_attachment(info: PartInfo) -> bool:
    return info.disposition == "attachment" or bool(info.filename)


def _attachment(raw: bytes, part: _Part, *, complete: bool, problems: Problems) -> Attachment:
    info = part.info
    # Only the last path component: a filename is shown, never used as a path.
    filename = info.filename.replace("\\", "/").rpartition("/")[2]
    return Attachment(
        filename=clean_line(filename, MAX_FILENAME_LENGTH, problems),
        content_type=clean_line(info.content_type, MAX_CONTENT_TYPE_LENGTH, problems),
        size=decoded_size(raw, part.start, part.end, info.transfer_encoding) if complete else None,
    )


def _children(
    raw: bytes, part: _Part, max_depth: int, budget: int, problems: Problems
) -> list[_Part]:
    """The parts of a multipart, with their headers parsed."""
    boundary = part.info.params.get("boundary", "")
    if not boundary:
        problems.add(Problem.MIME_MALFORMED)
        return []
    if part.depth >= max_depth:
        problems.add(Problem.MIME_DEPTH_EXCEEDED)
        return []
    if budget <= 0:
        problems.add(Problem.MIME_PARTS_EXCEEDED)
        return []
    spans, closed = _split(raw, part.start, part.end, boundary.encode("utf-8", "replace"), budget)
    if len(spans) >= budget and not closed:
        problems.add(Problem.MIME_PARTS_EXCEEDED)
    elif not closed and part.end == len(raw):
        problems.add(Problem.BODY_TRUNCATED)
    default_type = "message/rfc822" if part.info.subtype == "digest" else "text/plain"
    children = []
    for start, end in spans:
        block = parse_header_block(
            raw, start, end, wanted=CONTENT_FIELDS, limits=PART_HEADER_LIMITS, problems=problems
        )
        info = part_info(block, default_type, problems)
        children.append(_Part(block.body_start, end, part.depth + 1, info, part.info.subtype))
    return children


def _split(
    raw: bytes, start: int, end: int, boundary: bytes, limit: int
) -> tuple[list[tuple[int, int]], bool]:
    """Spans of the parts between ``--boundary`` lines; also whether ``--boundary--`` was seen.

    Stops after ``limit`` parts. A delimiter must start a line and may only be followed by
    whitespace (so a longer boundary that starts with this one does not match). Each candidate
    is looked at once and the search resumes at the end of its line: linear in the region.
    """
    delimiter = b"--" + boundary
    needle = b"\n" + delimiter
    spans: list[tuple[int, int]] = []
    part_start: int | None = None
    found = start if raw.startswith(delimiter, start, end) else _after(raw.find(needle, start, end))
    while found >= 0:
        after = found + len(delimiter)
        closing = raw.startswith(b"--", after, end)
        line_end = raw.find(b"\n", after, end)
        line_end = end if line_end < 0 else line_end
        if not raw[after + 2 if closing else after : line_end].strip():
            if part_start is not None:
                # The line break before a delimiter belongs to the delimiter.
                part_end = max(found - 1, part_start)
                if part_end > part_start and raw[part_end - 1] == 0x0D:
                    part_end -= 1
                spans.append((part_start, part_end))
                if len(spans) >= limit:
                    return spans, False
            if closing:
                return spans, True
            part_start = min(line_end + 1, end)
        found = _after(raw.find(needle, line_end, end))
    if part_start is not None and len(spans) < limit:
        spans.append((part_start, end))
    return spans, False


def _after(newline: int) -> int:
    """Offset of the delimiter after a line break found by ``find`` (or -1)."""
    return newline + 1 if newline >= 0 else -1
