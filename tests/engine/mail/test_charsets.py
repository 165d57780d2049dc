"""The WHATWG label table and safe decoding."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pop3_mail.mail.charsets import (
    REPLACEMENT,
    all_labels,
    decode_body,
    decode_declared,
    decode_undeclared,
    lookup,
)
from pop3_mail.mail.problems import Problems

ENCODINGS = {encoding.name: encoding for encoding in all_labels().values()}


def test_every_mapped_codec_exists_and_is_a_text_codec() -> None:
    for label, encoding in all_labels().items():
        if encoding.codec is None:
            assert encoding.name in {"replacement", "x-user-defined"}, label
            continue
        info = codecs.lookup(encoding.codec)
        assert info._is_text_encoding, (label, encoding.codec)
        # A text codec decodes bytes to str; idna/punycode-like codecs are never reached.
        assert isinstance(b"ab".decode(encoding.codec), str)


def test_the_table_has_every_whatwg_encoding() -> None:
    assert len(ENCODINGS) == 40


@pytest.mark.parametrize(
    ("label", "name", "codec"),
    [
        ("utf-8", "utf-8", "utf-8"),
        ("unicode-1-1-utf-8", "utf-8", "utf-8"),
        ("gb2312", "gbk", "gb18030"),
        ("GB_2312-80", "gbk", "gb18030"),
        ("iso-8859-8-i", "iso-8859-8-i", "iso8859_8"),
        ("ks_c_5601-1987", "euc-kr", "cp949"),
        ("us-ascii", "windows-1252", "cp1252"),
        ("iso-8859-1", "windows-1252", "cp1252"),
        ("latin1", "windows-1252", "cp1252"),
        ("ascii", "windows-1252", "cp1252"),
        ("tis-620", "windows-874", "cp874"),
        ("shift_jis", "shift_jis", "cp932"),
        ("x-sjis", "shift_jis", "cp932"),
        ("big5-hkscs", "big5", "big5hkscs"),
        ("iso-2022-jp", "iso-2022-jp", "iso2022_jp_ext"),
        ("koi8-ru", "koi8-u", "koi8_u"),
        ("utf-16", "utf-16le", "utf-16-le"),
        ("iso-2022-kr", "replacement", None),
        ("hz-gb-2312", "replacement", None),
        ("x-user-defined", "x-user-defined", None),
    ],
)
def test_labels_map_as_in_browsers(label: str, name: str, codec: str | None) -> None:
    encoding = lookup(label)
    assert encoding is not None
    assert (encoding.name, encoding.codec) == (name, codec)


@pytest.mark.parametrize(
    "label",
    [
        "x-unknown",
        "unknown-8bit",
        "",
        "   ",
        "dos-862",
        "utf-7",
        "unicode-1-1-utf-7",
        "idna",
        "punycode",
        "rot13",
        "hex",
        "base64",
        "zlib",
        "replacement",  # the name of an encoding, but not a label of it
        "utf-8\u00a0",  # only ASCII whitespace is stripped
        "ütf-8",
        "utf-8'en",
    ],
)
def test_unknown_and_non_text_labels_have_no_encoding(label: str) -> None:
    assert lookup(label) is None


@pytest.mark.parametrize("label", ["UTF-8", " utf-8", "utf-8\t", "\r\n Utf-8 \f", "UtF8"])
def test_label_case_and_ascii_whitespace_do_not_matter(label: str) -> None:
    assert lookup(label) is lookup("utf-8")


def test_single_byte_encodings_decode_every_byte() -> None:
    every_byte = bytes(range(256))
    for name, encoding in ENCODINGS.items():
        text, _ = encoding.decode(every_byte)
        assert isinstance(text, str), name
    assert ENCODINGS["windows-1252"].decode(b"\x80\x93\x94")[0] == "€“”"


def test_x_user_defined_maps_high_bytes_to_the_private_use_area() -> None:
    assert ENCODINGS["x-user-defined"].decode(b"a\x80\xff") == ("a\uf780\uf7ff", False)


def test_replacement_labels_decode_to_one_replacement_character() -> None:
    assert REPLACEMENT.decode(b"\x1b$)C\x0e!!\x0f") == ("\ufffd", True)
    assert REPLACEMENT.decode(b"") == ("", False)


def test_declared_charsets_flag_unknown_labels_and_bad_bytes() -> None:
    problems = Problems()
    assert decode_declared(b"caf\xc3\xa9", "UTF-8", problems) == "café"
    assert problems.as_tuple() == ()
    assert decode_declared(b"caf\xe9", "utf-8", problems) == "caf\ufffd"
    assert problems.as_tuple() == ("charset_fallback",)
    problems = Problems()
    assert decode_declared(b"caf\xc3\xa9", "x-unknown", problems) == "café"
    assert problems.as_tuple() == ("charset_unknown",)


def test_undeclared_text_is_utf8_else_windows_1252() -> None:
    problems = Problems()
    assert decode_undeclared("Grüße".encode(), problems) == "Grüße"
    assert problems.as_tuple() == ()
    assert decode_undeclared(b"Gr\xfc\xdfe \x80", problems) == "Grüße €"
    assert problems.as_tuple() == ("charset_fallback",)


def test_a_cut_multibyte_character_is_dropped_when_not_final() -> None:
    problems = Problems()
    assert decode_declared("日本".encode()[:-1], "utf-8", problems, final=False) == "日"
    assert decode_declared("日本".encode("cp932")[:-1], "sjis", problems, final=False) == "日"
    assert problems.as_tuple() == ()


def test_a_byte_order_mark_wins_over_the_label() -> None:
    problems = Problems()
    assert decode_body(codecs.BOM_UTF8 + "ä".encode(), "iso-8859-1", problems, final=True) == "ä"
    utf16 = codecs.BOM_UTF16_BE + "ä".encode("utf-16-be")
    assert decode_body(utf16, "utf-8", problems, final=True) == "ä"
    assert problems.as_tuple() == ()


@given(data=st.binary(max_size=200), label=st.sampled_from([*sorted(all_labels()), "x-junk"]))
def test_decoding_never_raises(data: bytes, label: str) -> None:
    for final in (True, False):
        problems = Problems()
        text = decode_declared(data, label, problems, final=final)
        assert isinstance(text, str)
        assert not any("\ud800" <= char <= "\udfff" for char in text)
