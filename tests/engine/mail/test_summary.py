"""The ``summarize`` entry point itself: input types, bounds of its arguments, the bug path."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from pop3_mail.mail import MailSummary, summarize
from pop3_mail.mail import summary as summary_module
from pop3_mail.mail.summary import MAX_SNIPPET
from tests.engine.mail.checks import corpus, summarize_bytes


def test_bytearray_and_memoryview_are_accepted() -> None:
    raw = corpus("alternative.eml")
    expected = summarize_bytes(raw)
    views: list[Any] = [bytearray(raw), memoryview(raw)]
    for view in views:
        summary = summarize(
            view,
            account_key="user@127.0.0.1:995",
            uid="uid-1",
            number=1,
            size=len(raw),
            complete=True,
        )
        assert summary == expected


@pytest.mark.parametrize(("requested", "length"), [(-10, 0), (0, 0), (5, 5), (10**9, MAX_SNIPPET)])
def test_snippet_length_is_clamped(requested: int, length: int) -> None:
    raw = b"Subject: s\r\n\r\n" + b"abcdefghij" * 5_000
    summary = summarize(
        raw, account_key="k", uid="u", number=1, size=len(raw), snippet_length=requested
    )
    assert len(summary.snippet) == length


def test_an_empty_message() -> None:
    summary = summarize_bytes(b"")
    assert (summary.subject, summary.snippet, summary.problems) == ("", "", ())


def test_a_bug_gives_an_identity_only_summary_and_a_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(summary_module, "walk", broken)
    with caplog.at_level(logging.ERROR):
        summary = summarize(
            b"Subject: secret plans\r\n\r\n",
            account_key="k",
            uid="u",
            number=7,
            size=99,
            complete=True,
        )
    assert summary == MailSummary(
        id=summary.id, uid="u", number=7, size=99, complete=True, problems=("internal_error",)
    )
    assert "Could not summarise message 7" in caplog.text
    assert "secret plans" not in caplog.text
