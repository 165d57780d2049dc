"""The committed corpus of hostile mail: each message decodes to concrete values."""

from __future__ import annotations

import base64

import pytest

from pop3_mail.mail import Attachment, summary_id
from pop3_mail.mail.charsets import UTF7_LABELS, all_labels
from tests.engine.mail.checks import CORPUS, corpus, summarize_bytes, summarize_corpus


def test_every_corpus_message_keeps_the_invariants_as_top_and_as_retr() -> None:
    names = sorted(path.name for path in CORPUS.glob("*.eml"))
    assert len(names) >= 40
    for name in names:
        for complete in (True, False):
            summary = summarize_corpus(name, complete=complete)
            assert "internal_error" not in summary.problems, name


def test_identity_fields_come_from_the_caller() -> None:
    summary = summarize_bytes(corpus("alternative.eml"), complete=False, size=4321)
    assert summary.id == summary_id("user@127.0.0.1:995", "uid-1")
    assert (summary.uid, summary.number, summary.size, summary.complete) == (
        "uid-1",
        1,
        4321,
        False,
    )


@pytest.mark.parametrize(
    ("name", "subject", "problems"),
    [
        ("ew-utf-8.eml", "Grüße — 日本語 ✓", ()),
        # iso-8859-1 is read as windows-1252 (WHATWG): 0x80 is the euro sign.
        ("ew-iso-8859-1.eml", "Café crème: 100 €", ()),
        ("ew-iso-8859-15.eml", "Preis € Ÿ œ", ()),
        ("ew-windows-1252.eml", "“quoted” …", ()),
        ("ew-koi8-r.eml", "Привет мир", ()),
        # shift_jis is windows-31j (the circled one is an NEC extension), and the character split
        # across two encoded words survives because their bytes are joined before decoding.
        ("ew-shift_jis.eml", "日本語①", ()),
        ("ew-iso-2022-jp.eml", "こんにちはｶﾀｶﾅ", ()),
        # ks_c_5601-1987 is windows-949: 똠 is not in EUC-KR proper.
        ("ew-ks_c_5601-1987.eml", "똠방각하", ()),
        ("ew-euc-kr.eml", "안녕하세요", ()),
        # gb2312 is read as GBK: 們 is not in GB 2312.
        ("ew-gb2312-gbk-bytes.eml", "我們的", ()),
        # big5 includes HKSCS.
        ("ew-big5.eml", "中文測試㗎", ()),
        ("ew-iso-8859-8-i.eml", "שלום", ()),
        ("ew-unknown-charset.eml", "abc\ufffddef", ("charset_unknown", "charset_fallback")),
        ("ew-empty-charset.eml", "plain text", ("charset_unknown",)),
        # iso-2022-kr is a WHATWG "replacement" label: one U+FFFD, as in browsers.
        ("ew-iso-2022-kr.eml", "\ufffd tail", ("charset_unknown",)),
        ("ew-rfc2231-language.eml", "Hello world", ()),
        ("ew-broken.eml", "Hello world=ZZbad", ("encoding_broken",)),
    ],
)
def test_encoded_words_in_many_charsets(name: str, subject: str, problems: tuple[str, ...]) -> None:
    summary = summarize_corpus(name)
    assert summary.subject == subject
    assert summary.problems == problems


def test_raw_utf8_headers_are_read_as_utf8_without_a_flag() -> None:
    summary = summarize_corpus("8bit-headers-utf8.eml")
    assert summary.subject == "Grüße aus Köln"
    assert (summary.from_name, summary.from_address) == ("Jörg Müller", "joerg@example.de")
    assert summary.problems == ()


def test_raw_latin1_headers_fall_back_to_windows_1252_and_are_flagged() -> None:
    summary = summarize_corpus("8bit-headers-latin1.eml")
    assert summary.subject == "Grüße € 100"
    assert summary.from_name == "Jörg"
    assert summary.problems == ("charset_fallback",)


def test_an_8bit_header_name_does_not_hide_the_headers_after_it() -> None:
    summary = summarize_corpus("8bit-header-name.eml")
    assert summary.subject == "Still parsed"
    assert summary.from_address == "after@example.org"
    assert summary.to == ("also-after@example.org",)
    assert summary.problems == ("headers_malformed",)


def test_nul_escape_and_separator_characters_are_removed_from_headers() -> None:
    summary = summarize_corpus("nul-and-controls.eml")
    assert summary.subject == "AB[31mred[0m C D E"
    assert summary.from_name == "Bell Name"
    assert summary.message_id == "<id@example.org>"
    assert summary.problems == ("control_chars",)


def test_an_mbox_from_line_is_skipped_quietly() -> None:
    summary = summarize_corpus("mbox-from-line.eml")
    assert summary.subject == "mbox export"
    assert summary.from_address == "sender@example.org"
    assert summary.problems == ()


def test_a_header_block_without_body_separator() -> None:
    summary = summarize_corpus("no-body-separator.eml")
    assert summary.subject == "Headers only"
    assert summary.from_address == "sender@example.org"
    assert summary.to == ("rcpt@example.com",)
    assert summary.snippet == ""
    assert summary.problems == ()


def test_bare_lf_line_endings() -> None:
    summary = summarize_corpus("lf-only.eml")
    assert summary.subject == "bare LF line ends"
    assert summary.snippet == "First line second line"


def test_missing_date_and_message_id_are_none_without_problems() -> None:
    summary = summarize_corpus("no-date-no-message-id.eml")
    assert summary.date is None
    assert summary.message_id is None
    assert summary.problems == ()


@pytest.mark.parametrize(
    ("name", "date", "problems"),
    [
        ("date-no-zone.eml", "2025-03-03T08:15:00+00:00", ("date_no_zone",)),
        ("date-minus-zero.eml", "2025-03-03T08:15:00+00:00", ("date_no_zone",)),
        ("date-garbage.eml", None, ("bad_date",)),
        ("date-out-of-range.eml", None, ("bad_date",)),
        ("date-obsolete-zone.eml", "2025-03-03T08:15:00-05:00", ()),
        ("alternative.eml", "2025-03-03T08:15:00+01:00", ()),
    ],
)
def test_dates(name: str, date: str | None, problems: tuple[str, ...]) -> None:
    summary = summarize_corpus(name)
    assert summary.date == date
    assert summary.problems == problems


def test_a_message_id_without_brackets_is_kept_as_it_is() -> None:
    assert summarize_corpus("date-obsolete-zone.eml").message_id == "no-brackets@example.org"


def test_the_first_of_two_subjects_wins() -> None:
    assert summarize_corpus("duplicate-subject.eml").subject == "first"


def test_address_syntax_groups_quotes_routes_and_literals() -> None:
    summary = summarize_corpus("addresses.eml")
    assert (summary.from_name, summary.from_address) == ("Doe, John", "john@example.org")
    assert summary.to == (
        "a@example.com",
        '"b c"@example.com',
        "legacy@example.com",
        "routed@example.com",
    )
    # "john smith@example.com" is read as mail clients read it: the name "john", then the address.
    assert summary.cc == ("joerg@example.de", "c@[192.0.2.1]", "smith@example.com")
    assert summary.problems == ("address_repaired",)


def test_cve_2023_27043_addresses_are_dropped_or_taken_from_the_angle_brackets() -> None:
    summary = summarize_corpus("cve-2023-27043.eml")
    # Non-strict parseaddr makes bob@example.org of this; it is no valid mailbox.
    assert (summary.from_name, summary.from_address) == ("", "")
    # A display name that looks like an address is only a name; two <...> without a comma are
    # two addresses, the first one named (repaired, and said so).
    assert summary.to == ("bob@example.org", "b@example.org", "c@example.org")
    assert summary.problems == ("address_invalid", "address_repaired")


def test_html_only_mail_becomes_readable_text() -> None:
    summary = summarize_corpus("html-only.eml")
    assert summary.snippet == "Hello World & friends— Read the report cell1 cell2 €☺<end>"
    assert summary.problems == ()


def test_multipart_alternative_prefers_the_plain_text() -> None:
    summary = summarize_corpus("alternative.eml")
    assert summary.snippet == "Plain version with tabs"
    assert summary.attachments == ()


def test_attachments_with_rfc2231_and_encoded_word_filenames_and_sizes() -> None:
    summary = summarize_corpus("attachments-rfc2231.eml")
    assert summary.snippet == "See attached é."
    assert summary.attachments == (
        Attachment("€ rates 2025.pdf", "application/pdf", 1033),
        Attachment("Grüße aus Köln.txt", "text/plain", 9),
        Attachment("äpfel.png", "image/png", 8),
        Attachment("evil.exe", "application/octet-stream", 2),
        Attachment("", "message/rfc822", 36),
    )
    assert summary.problems == ()


def test_attachments_of_a_top_are_listed_without_sizes() -> None:
    summary = summarize_corpus("attachments-rfc2231.eml", complete=False)
    assert [(a.filename, a.size) for a in summary.attachments] == [
        ("€ rates 2025.pdf", None),
        ("Grüße aus Köln.txt", None),
        ("äpfel.png", None),
        ("evil.exe", None),
        ("", None),
    ]


def test_inline_images_of_multipart_related_are_not_attachments_unless_named() -> None:
    summary = summarize_corpus("related-inline-image.eml")
    assert summary.snippet == "Logo:"
    assert summary.attachments == (Attachment("photo.jpg", "image/jpeg", 6),)


def test_broken_base64_is_decoded_as_far_as_possible() -> None:
    summary = summarize_corpus("broken-base64.eml")
    assert summary.snippet == "Hello world, broken base64"
    assert summary.problems == ("encoding_broken",)


def test_broken_quoted_printable_keeps_the_bad_escape() -> None:
    summary = summarize_corpus("broken-quoted-printable.eml")
    assert summary.snippet == "Café =ZZ costs 50 € and 100% = fine"
    assert summary.problems == ("encoding_broken",)


def test_an_unknown_transfer_encoding_is_read_as_it_is() -> None:
    summary = summarize_corpus("unknown-transfer-encoding.eml")
    assert summary.snippet == "begin 644 file"
    assert summary.problems == ("encoding_broken",)


@pytest.mark.parametrize(
    ("name", "snippet", "problems"),
    [
        ("mislabelled-utf8.eml", "Caf\ufffd cr\ufffdme", ("charset_fallback",)),
        ("empty-charset.eml", "Café \ufffd", ("charset_unknown", "charset_fallback")),
        ("unknown-8bit.eml", "Café", ("charset_unknown",)),
        ("no-charset-latin1.eml", "Café €", ("charset_fallback",)),
        ("utf16-bom.eml", "Hällo UTF-16", ()),
    ],
)
def test_body_charsets(name: str, snippet: str, problems: tuple[str, ...]) -> None:
    summary = summarize_corpus(name)
    assert summary.snippet == snippet
    assert summary.problems == problems


def test_a_multipart_without_boundary_is_flagged() -> None:
    summary = summarize_corpus("multipart-no-boundary.eml")
    assert summary.snippet == ""
    assert summary.problems == ("mime_malformed",)


def test_digest_parts_default_to_forwarded_messages() -> None:
    summary = summarize_corpus("digest.eml")
    assert summary.attachments == (
        Attachment("", "message/rfc822", 21),
        Attachment("", "message/rfc822", 22),
    )


def test_top_truncated_mime_drops_the_cut_character_and_flags_truncation() -> None:
    summary = summarize_corpus("top-truncated.eml", complete=False)
    assert summary.snippet == "Hello, Zürich Zürich Zürich Zürich Zürich Zürich Z"
    assert summary.problems == ("body_truncated",)


def test_the_same_cut_in_a_complete_message_is_damage() -> None:
    summary = summarize_corpus("top-truncated.eml", complete=True)
    assert summary.snippet == "Hello, Zürich Zürich Zürich Zürich Zürich Zürich Z\ufffd"
    assert summary.problems == ("body_truncated", "charset_fallback")


def test_raw_8bit_inside_encoded_words_is_decoded_once_in_their_charset() -> None:
    # Old Eudora put Latin-1 bytes straight into Q words: they were read as windows-1252, then
    # again as the word's iso-8859-1 ("FrÃ¶sche").
    summary = summarize_corpus("ew-raw-8bit-inside.eml")
    assert summary.subject == "Die Frösche quaken"
    assert (summary.from_name, summary.from_address) == ("Jörg Fröhlich", "joerg@example.de")
    assert summary.problems == ("encoding_broken",)


def test_raw_utf8_around_encoded_words() -> None:
    summary = summarize_corpus("ew-raw-8bit-around.eml")
    assert summary.subject == "Grüße und Frösche aus Köln"
    assert summary.from_name == "Jörg Müller"
    assert [a.filename for a in summary.attachments] == ["Bericht Köln März.pdf"]
    assert summary.problems == ()


def test_raw_latin1_around_encoded_words() -> None:
    summary = summarize_corpus("ew-raw-latin1-around.eml")
    assert summary.subject == "Grüße € 100"
    assert summary.from_name == "Jörg"
    assert summary.problems == ("charset_fallback",)


def test_utf7_is_decoded_in_headers_but_not_in_bodies() -> None:
    summary = summarize_corpus("ew-utf-7.eml")
    assert summary.subject == "Frösche 😀äpfel"
    assert summary.from_name == "Jörg"
    assert [a.filename for a in summary.attachments] == ["Frösche.txt"]
    # A body labelled utf-7 is left alone (the WHATWG table, as browsers and Thunderbird).
    assert summary.snippet == "Fr+APY-sche"
    assert summary.problems == ("charset_unknown",)


def test_rfc5322_comments_and_folding_example() -> None:
    summary = summarize_corpus("rfc5322-comments.eml")  # RFC 5322 Appendix A.5
    assert (summary.from_name, summary.from_address) == ("Pete", "pete@silly.test")
    assert summary.to == ("c@public.example", "joe@example.org", "jdoe@one.test")
    assert summary.cc == ()
    assert summary.date == "1969-02-13T23:32:00-03:30"
    assert summary.message_id == "<testabcd.1234@silly.test>"
    assert summary.problems == ()


def test_rfc5322_obsolete_syntax() -> None:
    summary = summarize_corpus("rfc5322-obsolete.eml")  # RFC 5322 Appendix A.6
    assert summary.subject == "Saying Hello"
    assert (summary.from_name, summary.from_address) == ("John Doe", "jdoe@machine.example")
    assert summary.to == (
        "mary@example.net",
        "jdoe@test.example",
        "john.q.public@example.com",
        "routed@example.net",
    )
    assert summary.date == "1997-11-21T09:55:06-05:00"
    assert summary.message_id == "<1234@local.machine.example>"
    assert summary.problems == ()


def test_rfc6532_utf8_headers_and_addresses() -> None:
    summary = summarize_corpus("rfc6532-utf8.eml")
    assert summary.subject == "🎉 Grüße, 日本語 und ελληνικά"
    assert (summary.from_name, summary.from_address) == ("Jörg Müller", "jörg@müller.example")
    assert summary.to == ("用户@例子.广告", "δοκιμή@παράδειγμα.δοκιμή")
    assert summary.cc == ("u@example.com",)
    assert summary.message_id == "<ünique@example.com>"
    assert [a.filename for a in summary.attachments] == ["Über uns 📷.png"]
    assert summary.problems == ()


def test_lenient_addresses_where_the_intent_is_clear() -> None:
    summary = summarize_corpus("address-lenient.eml")
    assert (summary.from_name, summary.from_address) == ("Big Bug", "bb@bug.com")
    assert summary.to == ("a@example.com", "b@example.com", "ann@example.com", "bob@example.com")
    assert summary.cc == ("kept@example.com",)  # words after <...> are not clear: dropped
    assert summary.problems == ("address_repaired", "address_invalid")


# Text each WHATWG encoding can carry, tried in order; the first one it encodes is the sample.
_SAMPLES = (
    "Grüße",
    "Привет",
    "Γειά",
    "שלום",
    "مرحبا",
    "สวัสดี",
    "日本語",
    "中文",
    "한국어",
    "Sveikas",
)


def _label_cases() -> list[tuple[str, bytes, str]]:
    cases = []
    for label, encoding in sorted(all_labels().items()):
        if encoding.codec is None:
            continue  # replacement and x-user-defined: tested in test_charsets
        for sample in _SAMPLES:
            try:
                data = sample.encode(encoding.codec)
            except UnicodeEncodeError:
                continue
            cases.append((label, data, sample))
            break
    cases += [(label, "Frösche".encode("utf-7"), "Frösche") for label in UTF7_LABELS]
    return cases


@pytest.mark.parametrize(("label", "data", "text"), _label_cases())
def test_every_charset_label_in_an_encoded_word(label: str, data: bytes, text: str) -> None:
    for word in (
        f"=?{label.upper()}?B?{base64.b64encode(data).decode()}?=",
        f"=?{label}?Q?{''.join(f'={byte:02X}' for byte in data)}?=",
    ):
        raw = f"Subject: {word}\r\nFrom: x@example.com\r\n\r\nbody\r\n".encode()
        summary = summarize_bytes(raw)
        assert summary.subject == text, (label, word)
        assert summary.problems == ()
