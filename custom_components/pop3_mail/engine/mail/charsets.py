"""Charset labels mapped the way browsers and mail clients map them, and safe decoding.

Mail is full of mislabelled text: ``gb2312`` over GBK bytes, ``iso-8859-1`` over windows-1252,
``ks_c_5601-1987``, ``iso-8859-8-i``, ``unknown-8bit``, empty labels. Python's codec registry
knows some of these names, not others, maps a few to the wrong superset and has non-text codecs
(``idna``, ``punycode``, ``rot13``, ``hex``) that raise or produce nonsense. So labels are never
handed to :func:`codecs.lookup` directly: they go through the label table of the WHATWG Encoding
Standard (https://encoding.spec.whatwg.org/#names-and-labels, data file ``encodings.json`` in
https://github.com/whatwg/encoding), which is what Firefox, Chrome and Thunderbird use.

Each WHATWG encoding is mapped to the Python codec that decodes the same bytes (or a superset):
``gbk`` → ``gb18030`` (the standard's gbk decoder *is* the gb18030 decoder), ``big5`` →
``big5hkscs``, ``shift_jis`` → ``cp932``, ``euc-kr`` → ``cp949``, ``iso-2022-jp`` →
``iso2022_jp_ext`` (adds half-width katakana), ``iso-8859-8-i`` → ``iso8859_8``.

Labels outside the table (``x-unknown``, ``unknown-8bit``, ``dos-862``, ``utf-7``, empty) have no
codec: the text is read as UTF-8 with replacement characters. Headers are the one exception:
UTF-7 is decoded there (:func:`decode_header_declared`). The standard's ``replacement``
encoding (``iso-2022-kr``, ``hz-gb-2312``, ...) decodes any non-empty input to one U+FFFD, as in
browsers. ``x-user-defined`` maps bytes 0x80-0xFF to U+F780-U+F7FF.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from .problems import Problem, Problems

# WHATWG encoding name -> (Python codec or None, space-separated labels), in the order of the
# standard's encodings.json.
_WHATWG_ENCODINGS: dict[str, tuple[str | None, str]] = {
    # The Encoding
    "utf-8": ("utf-8", "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8"),
    # Legacy single-byte encodings
    "ibm866": ("cp866", "866 cp866 csibm866 ibm866"),
    "iso-8859-2": (
        "iso8859_2",
        "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    ),
    "iso-8859-3": (
        "iso8859_3",
        "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    ),
    "iso-8859-4": (
        "iso8859_4",
        "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    ),
    "iso-8859-5": (
        "iso8859_5",
        "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 "
        "iso_8859-5:1988",
    ),
    "iso-8859-6": (
        "iso8859_6",
        "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 "
        "iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    ),
    "iso-8859-7": (
        "iso8859_7",
        "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 "
        "iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    ),
    "iso-8859-8": (
        "iso8859_8",
        "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 "
        "iso88598 iso_8859-8 iso_8859-8:1988 visual",
    ),
    "iso-8859-8-i": ("iso8859_8", "csiso88598i iso-8859-8-i logical"),
    "iso-8859-10": (
        "iso8859_10",
        "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    ),
    "iso-8859-13": ("iso8859_13", "iso-8859-13 iso8859-13 iso885913"),
    "iso-8859-14": ("iso8859_14", "iso-8859-14 iso8859-14 iso885914"),
    "iso-8859-15": ("iso8859_15", "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9"),
    "iso-8859-16": ("iso8859_16", "iso-8859-16"),
    "koi8-r": ("koi8_r", "cskoi8r koi koi8 koi8-r koi8_r"),
    "koi8-u": ("koi8_u", "koi8-ru koi8-u"),
    "macintosh": ("mac_roman", "csmacintosh mac macintosh x-mac-roman"),
    "windows-874": ("cp874", "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874"),
    "windows-1250": ("cp1250", "cp1250 windows-1250 x-cp1250"),
    "windows-1251": ("cp1251", "cp1251 windows-1251 x-cp1251"),
    "windows-1252": (
        "cp1252",
        "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 "
        "iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    ),
    "windows-1253": ("cp1253", "cp1253 windows-1253 x-cp1253"),
    "windows-1254": (
        "cp1254",
        "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 "
        "iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254",
    ),
    "windows-1255": ("cp1255", "cp1255 windows-1255 x-cp1255"),
    "windows-1256": ("cp1256", "cp1256 windows-1256 x-cp1256"),
    "windows-1257": ("cp1257", "cp1257 windows-1257 x-cp1257"),
    "windows-1258": ("cp1258", "cp1258 windows-1258 x-cp1258"),
    "x-mac-cyrillic": ("mac_cyrillic", "x-mac-cyrillic x-mac-ukrainian"),
    # Legacy multi-byte Chinese (simplified) encodings
    "gbk": (
        "gb18030",
        "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk",
    ),
    "gb18030": ("gb18030", "gb18030"),
    # Legacy multi-byte Chinese (traditional) encodings
    "big5": ("big5hkscs", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"),
    # Legacy multi-byte Japanese encodings
    "euc-jp": ("euc_jp", "cseucpkdfmtjapanese euc-jp x-euc-jp"),
    "iso-2022-jp": ("iso2022_jp_ext", "csiso2022jp iso-2022-jp"),
    "shift_jis": ("cp932", "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis"),
    # Legacy multi-byte Korean encodings
    "euc-kr": (
        "cp949",
        "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 "
        "ksc_5601 windows-949",
    ),
    # Legacy miscellaneous encodings
    "replacement": (None, "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr"),
    "utf-16be": ("utf-16-be", "unicodefffe utf-16be"),
    "utf-16le": (
        "utf-16-le",
        "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
    ),
    "x-user-defined": (None, "x-user-defined"),
}

# The standard strips exactly these (ASCII whitespace) around a label.
_ASCII_WHITESPACE = "\t\n\f\r "
# x-user-defined: 0x00-0x7F as ASCII, 0x80-0xFF to U+F780-U+F7FF.
_X_USER_DEFINED = {byte: 0xF780 + byte - 0x80 for byte in range(0x80, 0x100)}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
)

# Codecs where ASCII bytes do not stand for ASCII text, so the ASCII fast path must not be used.
_NOT_ASCII_COMPATIBLE = frozenset({"utf-16-be", "utf-16-le", "iso2022_jp_ext"})


@dataclass(frozen=True, slots=True)
class Encoding:
    """A WHATWG encoding and the Python codec that decodes it (None: decoded by hand)."""

    name: str
    codec: str | None

    def decode(self, data: bytes, *, final: bool = True) -> tuple[str, bool]:
        """Decode ``data``; returns the text and whether anything had to be replaced.

        With ``final=False`` an incomplete multi-byte sequence at the end (text cut off by
        ``TOP`` or by a size cap) is dropped instead of being turned into U+FFFD.
        """
        if self.codec is None:
            if self.name == "x-user-defined":
                return data.decode("latin-1").translate(_X_USER_DEFINED), False
            return ("\ufffd" if data else ""), bool(data)
        if final and data.isascii() and self.codec not in _NOT_ASCII_COMPATIBLE:
            return data.decode("ascii"), False
        try:
            return _decode(data, self.codec, "strict", final=final), False
        except UnicodeDecodeError:
            return _decode(data, self.codec, "replace", final=final), True


def _decode(data: bytes, codec: str, errors: str, *, final: bool) -> str:
    if final:
        return data.decode(codec, errors)
    return codecs.getincrementaldecoder(codec)(errors).decode(data, final=False)


_ENCODINGS = {name: Encoding(name, codec) for name, (codec, _) in _WHATWG_ENCODINGS.items()}
_LABELS = {
    label: _ENCODINGS[name]
    for name, (_, labels) in _WHATWG_ENCODINGS.items()
    for label in labels.split()
}
UTF_8 = _ENCODINGS["utf-8"]
WINDOWS_1252 = _ENCODINGS["windows-1252"]
REPLACEMENT = _ENCODINGS["replacement"]


def lookup(label: str) -> Encoding | None:
    """The encoding for a charset label (WHATWG "get an encoding"), or None if unknown.

    Case and surrounding ASCII whitespace do not matter.
    """
    label = label.strip(_ASCII_WHITESPACE)
    if not label.isascii():
        return None
    return _LABELS.get(label.lower())


def all_labels() -> dict[str, Encoding]:
    """Every known label and its encoding (a copy; for tests and diagnostics)."""
    return dict(_LABELS)


def decode_declared(data: bytes, label: str, problems: Problems, *, final: bool = True) -> str:
    """Decode text whose charset was declared; unknown labels read as UTF-8 (flagged)."""
    encoding = lookup(label)
    if encoding is None or encoding is REPLACEMENT:
        problems.add(Problem.CHARSET_UNKNOWN)
        if encoding is None:
            encoding = UTF_8
    text, replaced = encoding.decode(data, final=final)
    if replaced and encoding is not REPLACEMENT:
        problems.add(Problem.CHARSET_FALLBACK)
    return text


# UTF-7 (RFC 2152) and its aliases (IANA, Microsoft).
UTF7_LABELS = frozenset(
    {"utf-7", "utf7", "csutf7", "unicode-1-1-utf-7", "csunicode11utf7", "x-unicode-2-0-utf-7"}
)


def decode_header_declared(data: bytes, label: str, problems: Problems) -> str:
    """:func:`decode_declared` for header text (encoded words, RFC 2231 parameters).

    The WHATWG table drops UTF-7 on purpose (a web page in UTF-7 can smuggle script past
    filters), but in a mail header it is only text, and mail clients decode it. Python's codec
    is linear and, with ``errors="replace"``, never raises; lone surrogates it may produce are
    removed with the other unsafe characters when the field is cleaned.
    """
    if label.strip(_ASCII_WHITESPACE).lower() not in UTF7_LABELS:
        return decode_declared(data, label, problems)
    try:
        return data.decode("utf-7")
    except UnicodeDecodeError:
        problems.add(Problem.CHARSET_FALLBACK)
        return data.decode("utf-7", "replace")


def decode_undeclared(data: bytes, problems: Problems, *, final: bool = True) -> str:
    """Decode text without a declared charset: UTF-8 if valid, else windows-1252 (flagged).

    This is what mail clients do with raw 8-bit headers and charset-less bodies: UTF-8 is
    what modern software sends (RFC 6532), windows-1252 what old software sent.
    """
    text, replaced = UTF_8.decode(data, final=final)
    if not replaced:
        return text
    problems.add(Problem.CHARSET_FALLBACK)
    return WINDOWS_1252.decode(data, final=final)[0]


def decode_body(data: bytes, label: str | None, problems: Problems, *, final: bool) -> str:
    """Decode a text body: a byte order mark wins over the label (WHATWG "decode")."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _ENCODINGS[name].decode(data[len(bom) :], final=final)[0]
    if label is None:
        return decode_undeclared(data, problems, final=final)
    return decode_declared(data, label, problems, final=final)
