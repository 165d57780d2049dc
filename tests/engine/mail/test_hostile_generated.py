"""Hostile mail too big to commit, generated here: every cap holds and the values survive."""

from __future__ import annotations

import base64

from pop3_mail.mail.headers import MESSAGE_HEADER_LIMITS
from pop3_mail.mail.mime import DEFAULT_LIMITS
from pop3_mail.mail.summary import MAX_RECIPIENTS, MAX_SUBJECT
from tests.engine.mail.checks import summarize_bytes

HEADERS = b"From: sender@example.org\r\nSubject: hostile\r\n"


def nested_multiparts(levels: int, text: bytes = b"deep text") -> bytes:
    """``levels`` multiparts, each holding the next, with a text part at the bottom."""
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
        for level in range(levels)
    )
    tail = b"".join(b"\r\n--b%d--\r\n" % level for level in reversed(range(levels)))
    return HEADERS + head + b"Content-Type: text/plain\r\n\r\n" + text + tail


def test_ten_thousand_nested_multiparts_stop_at_the_depth_cap() -> None:
    summary = summarize_bytes(nested_multiparts(10_000))
    assert summary.subject == "hostile"
    assert summary.snippet == ""
    assert summary.problems == ("mime_depth_exceeded",)


def test_nesting_within_the_cap_finds_the_text() -> None:
    summary = summarize_bytes(nested_multiparts(DEFAULT_LIMITS.max_depth))
    assert summary.snippet == "deep text"
    assert summary.problems == ()


def test_fifty_thousand_recipients_are_capped() -> None:
    recipients = b", ".join(b"user%d@example.com" % n for n in range(50_000))
    summary = summarize_bytes(HEADERS + b"To: " + recipients + b"\r\nCc: cc@example.com\r\n\r\nhi")
    assert summary.to == tuple(f"user{n}@example.com" for n in range(MAX_RECIPIENTS))
    # The Cc after the giant To is beyond the header block cap.
    assert summary.cc == ()
    assert summary.problems == ("header_truncated", "address_list_truncated")


def test_a_long_address_list_within_the_block_cap_still_finds_later_headers() -> None:
    recipients = b",\r\n ".join(b"u%d@example.com" % n for n in range(2_000))
    summary = summarize_bytes(HEADERS + b"To: " + recipients + b"\r\nCc: cc@example.com\r\n\r\nhi")
    assert len(summary.to) == MAX_RECIPIENTS
    assert summary.cc == ("cc@example.com",)
    assert summary.snippet == "hi"
    assert summary.problems == ("address_list_truncated",)


def test_a_from_with_thousands_of_nested_comments() -> None:
    comment = b"(" * 5_000 + b"x" + b")" * 5_000
    summary = summarize_bytes(
        b"From: " + comment + b" <sender@example.org> " + comment + b"\r\n\r\n"
    )
    assert (summary.from_name, summary.from_address) == ("", "sender@example.org")
    assert summary.problems == ()


def test_an_unterminated_nested_comment_swallows_the_address() -> None:
    summary = summarize_bytes(b"From: " + b"(" * 20_000 + b" <sender@example.org>\r\n\r\n")
    assert summary.from_address == ""
    assert summary.problems == ("address_invalid",)


def test_the_header_block_cap_keeps_the_body() -> None:
    filler = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"v" * 200) for n in range(2_000))
    summary = summarize_bytes(b"Subject: first\r\n" + filler + b"Subject: late\r\n\r\nthe body")
    assert len(filler) > MESSAGE_HEADER_LIMITS.block_bytes
    assert summary.subject == "first"
    assert summary.snippet == "the body"
    assert summary.problems == ("header_truncated",)


def test_too_many_headers() -> None:
    headers = b"X: y\r\n" * 50_000
    summary = summarize_bytes(headers + b"Subject: after the cap\r\n\r\nbody")
    assert summary.subject == ""
    assert summary.snippet == "body"
    assert summary.problems == ("header_truncated",)


def test_a_huge_subject_is_cut_to_its_bound() -> None:
    summary = summarize_bytes(b"Subject: " + b"word " * 100_000 + b"\r\n\r\n")
    assert len(summary.subject) == MAX_SUBJECT - 1  # cut at 1000, trailing space stripped
    assert summary.subject.startswith("word word")
    assert summary.problems == ("header_truncated", "field_truncated")


def test_a_huge_attachment_is_measured_without_decoding() -> None:
    payload = bytes(range(256)) * (25 * 4096)  # 25 MiB
    body = (
        b"--m\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
        b"--m\r\nContent-Type: application/zip\r\n"
        b'Content-Disposition: attachment; filename="big.zip"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(payload).replace(b"\n", b"\r\n")
        + b"--m--\r\n"
    )
    raw = HEADERS + b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n' + body
    summary = summarize_bytes(raw)
    assert summary.snippet == "see attachment"
    assert [(a.filename, a.size) for a in summary.attachments] == [("big.zip", len(payload))]
    assert summarize_bytes(raw, complete=False).attachments[0].size is None


def test_a_huge_text_body_is_only_decoded_at_its_start() -> None:
    text = ("Grüße " * 2_000_000).encode()
    raw = HEADERS + b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(text)
    summary = summarize_bytes(raw, snippet_length=50)
    assert summary.snippet == ("Grüße " * 10).strip()[:50]
    assert summary.problems == ()


def test_more_parts_than_the_cap() -> None:
    parts = b"".join(b"--p\r\nContent-Type: image/gif\r\n\r\nGIF\r\n" for _ in range(20_000))
    raw = HEADERS + b"Content-Type: multipart/mixed; boundary=p\r\n\r\n" + parts + b"--p--\r\n"
    summary = summarize_bytes(raw)
    assert len(summary.attachments) == DEFAULT_LIMITS.max_attachments
    assert "mime_parts_exceeded" in summary.problems
    assert "attachments_truncated" in summary.problems


def test_many_lines_that_look_like_delimiters_but_are_not() -> None:
    lines = b"--bX not a delimiter\r\n" * 200_000
    raw = HEADERS + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" + lines
    summary = summarize_bytes(raw + b"--b--\r\n")
    assert summary.snippet.startswith("--bX not a delimiter --bX")
    assert summary.problems == ()


def test_many_unterminated_encoded_words() -> None:
    summary = summarize_bytes(b"Subject: " + b"=?a?q?" * 10_000 + b"\r\n\r\n")
    assert summary.subject.startswith("=?a?q?=?a?q?")


def test_many_adjacent_encoded_words_are_joined() -> None:
    words = b" ".join([b"=?utf-8?q?=C3=A4?="] * 3_000)
    summary = summarize_bytes(b"Subject: " + words + b"\r\n\r\n")
    assert summary.subject == "ä" * MAX_SUBJECT
    assert summary.problems == ("field_truncated",)


def test_hostile_html_patterns_end_quickly_with_the_text_before_them() -> None:
    for pattern in (b"<a ", b"<!--", b"<a b='", b"<![<!", b"<?", b"</", b"<script>", b"&#"):
        raw = (
            HEADERS
            + b"Content-Type: text/html\r\n\r\n<p>before</p>"
            + pattern * (200_000 // len(pattern))
        )
        summary = summarize_bytes(raw)
        assert summary.snippet.startswith("before"), pattern
        assert set(summary.problems) <= {"html_malformed"}, pattern


def test_a_top_shorter_than_the_list_size_is_body_truncated() -> None:
    raw = HEADERS + b"\r\nfirst lines only\r\n"
    assert summarize_bytes(raw, complete=False, size=len(raw) + 500).problems == ("body_truncated",)
    # Within a two-byte slack (a client may drop the last line break) the fetch is whole.
    assert summarize_bytes(raw, complete=False, size=len(raw) + 2).problems == ()
    # Unknown size (0) and RETR never flag this.
    assert summarize_bytes(raw, complete=False, size=0).problems == ()
    assert summarize_bytes(raw, complete=True, size=len(raw) + 500).problems == ()


def test_bare_lf_counts_as_crlf_when_comparing_with_the_list_size() -> None:
    raw = b"Subject: lf\n\nline one\nline two\n"
    crlf_size = len(raw.replace(b"\n", b"\r\n"))
    assert summarize_bytes(raw, complete=False, size=crlf_size).problems == ()


def test_fifty_thousand_angle_addresses_without_commas_are_capped() -> None:
    recipients = b" ".join(b"U%d <u%d@example.com>" % (n, n) for n in range(50_000))
    summary = summarize_bytes(HEADERS + b"To: " + recipients + b"\r\n\r\nhi")
    assert summary.to == tuple(f"u{n}@example.com" for n in range(MAX_RECIPIENTS))
    assert summary.problems == ("header_truncated", "address_repaired", "address_list_truncated")


def test_a_long_unquoted_name_before_a_bare_address() -> None:
    name = b" ".join(b"word%d" % n for n in range(5_000))  # within the 64 KiB value cap
    summary = summarize_bytes(b"From: " + name + b" sender@example.org\r\n\r\nhi")
    assert summary.from_address == "sender@example.org"
    assert summary.from_name.startswith("word0 word1 ")
    assert summary.problems == ("field_truncated", "address_repaired")


def test_thousands_of_comments_inside_an_angle_address() -> None:
    comment = b"(" * 5_000 + b"x" + b")" * 5_000
    summary = summarize_bytes(
        b"From: Name <" + comment + b"sender" + comment + b"@" + comment + b"example.org>\r\n\r\n"
    )
    assert (summary.from_name, summary.from_address) == ("Name", "sender@example.org")
    assert summary.problems == ()


def test_many_encoded_words_with_raw_8bit_bytes() -> None:
    words = b" ".join(b"=?iso-8859-1?q?Fr\xf6sche?=" for _ in range(20_000))
    summary = summarize_bytes(HEADERS.replace(b"hostile", words) + b"\r\nbody")
    assert summary.subject == ("Frösche" * 20_000)[: len(summary.subject)]
    assert summary.problems == ("header_truncated", "encoding_broken", "field_truncated")
