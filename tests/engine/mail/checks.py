"""Shared checks for summaries: the invariants every summary must keep, whatever the input."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from pathlib import Path

from pop3_mail.mail import MailSummary, Problem, summarize
from pop3_mail.mail.addresses import MAX_ADDRESS_LENGTH, MAX_NAME_LENGTH
from pop3_mail.mail.mime import DEFAULT_LIMITS, MAX_CONTENT_TYPE_LENGTH, MAX_FILENAME_LENGTH
from pop3_mail.mail.summary import MAX_MESSAGE_ID, MAX_RECIPIENTS, MAX_SUBJECT

CORPUS = Path(__file__).parent / "corpus"
KNOWN_PROBLEMS = {problem.value for problem in Problem} - {Problem.INTERNAL_ERROR.value}
# Categories that must never appear in a field: controls, line/paragraph separators, surrogates.
FORBIDDEN_CATEGORIES = {"Cc", "Zl", "Zp", "Cs"}


def corpus(name: str) -> bytes:
    """The bytes of one corpus message."""
    return (CORPUS / name).read_bytes()


def summarize_bytes(
    raw: bytes, *, complete: bool = True, size: int | None = None, snippet_length: int = 200
) -> MailSummary:
    """Summarise and check the invariants; ``size`` defaults to the length of ``raw``."""
    summary = summarize(
        raw,
        account_key="user@127.0.0.1:995",
        uid="uid-1",
        number=1,
        size=len(raw) if size is None else size,
        snippet_length=snippet_length,
        complete=complete,
    )
    assert_safe(summary, snippet_length=snippet_length)
    return summary


def summarize_corpus(name: str, *, complete: bool = True) -> MailSummary:
    """Summarise a corpus message (as RETR'd by default) and check the invariants."""
    return summarize_bytes(corpus(name), complete=complete)


def text_fields(summary: MailSummary) -> list[str]:
    """Every text value of a summary."""
    texts = [summary.subject, summary.from_name, summary.from_address, summary.snippet]
    texts += [*summary.to, *summary.cc]
    texts += [summary.date or "", summary.message_id or ""]
    for attachment in summary.attachments:
        texts += [attachment.filename, attachment.content_type]
    return texts


def assert_safe(summary: MailSummary, *, snippet_length: int = 200) -> None:
    """The invariants of every summary: clean single-line text, bounded sizes, known problems."""
    for text in text_fields(summary):
        bad = {unicodedata.category(char) for char in text} & FORBIDDEN_CATEGORIES
        assert not bad, (text, bad)
        assert text == text.strip()
        assert "  " not in text
        assert "\n" not in text
        assert "\t" not in text
    assert len(summary.subject) <= MAX_SUBJECT
    assert len(summary.from_name) <= MAX_NAME_LENGTH
    assert len(summary.to) <= MAX_RECIPIENTS
    assert len(summary.cc) <= MAX_RECIPIENTS
    for address in (summary.from_address, *summary.to, *summary.cc):
        assert len(address) <= MAX_ADDRESS_LENGTH
    assert len(summary.snippet) <= max(snippet_length, 0)
    assert summary.message_id is None or len(summary.message_id) <= MAX_MESSAGE_ID
    assert len(summary.attachments) <= DEFAULT_LIMITS.max_attachments
    for attachment in summary.attachments:
        assert len(attachment.filename) <= MAX_FILENAME_LENGTH
        assert len(attachment.content_type) <= MAX_CONTENT_TYPE_LENGTH
        assert attachment.size is None or attachment.size >= 0
        if not summary.complete:
            assert attachment.size is None
    if summary.date is not None:
        assert datetime.fromisoformat(summary.date).tzinfo is not None
    assert set(summary.problems) <= KNOWN_PROBLEMS, summary.problems
    assert len(set(summary.problems)) == len(summary.problems)
    # The JSON form must serialise (no surrogates) and round-trip.
    json.dumps(summary.as_dict(), ensure_ascii=False).encode("utf-8")
    assert MailSummary.from_dict(summary.as_dict()) == summary
