"""Content-Type / Content-Disposition values and RFC 2231 parameters."""

from __future__ import annotations

import pytest

from pop3_mail.mail.params import MAX_PARAMS, parse_content_field
from pop3_mail.mail.problems import Problems


def parse(text: str) -> tuple[str, dict[str, str], tuple[str, ...]]:
    problems = Problems()
    field = parse_content_field(text, problems)
    return field.value, field.params, problems.as_tuple()


@pytest.mark.parametrize(
    ("text", "value", "params"),
    [
        ("Text/HTML; Charset=UTF-8", "text/html", {"charset": "UTF-8"}),
        (
            'text/plain; charset="utf-8"; format=flowed',
            "text/plain",
            {"charset": "utf-8", "format": "flowed"},
        ),
        (
            "text/plain (comment); charset=us-ascii (Plain text)",
            "text/plain",
            {"charset": "us-ascii"},
        ),
        ('multipart/mixed; boundary="a;b\\"c"', "multipart/mixed", {"boundary": 'a;b"c'}),
        ("multipart/mixed; boundary==_Part_1", "multipart/mixed", {"boundary": "=_Part_1"}),
        ("attachment", "attachment", {}),
        ("not a type; x=1", "", {"x": "1"}),
        ("", "", {}),
        ('attachment; filename="unterminated', "attachment", {"filename": "unterminated"}),
        (
            "attachment; filename*=UTF-8''%E2%82%AC.pdf; filename=x.pdf",
            "attachment",
            {"filename": "€.pdf"},
        ),
        (
            "attachment; filename=x.pdf; filename*=UTF-8''%E2%82%AC.pdf",
            "attachment",
            {"filename": "€.pdf"},
        ),
        # Sections out of order, charset in the first one only, plain sections mixed in.
        (
            "attachment; filename*1*=%FC%DFe; filename*0*=iso-8859-1'de'Gr; filename*2=.txt",
            "attachment",
            {"filename": "Grüße.txt"},
        ),
        # No charset: bytes are UTF-8 if they can be.
        ("attachment; filename*=''%C3%A4.txt", "attachment", {"filename": "ä.txt"}),
        ("attachment; filename*=%C3%A4.txt", "attachment", {"filename": "ä.txt"}),
        ('image/png; name="=?utf-8?B?w6RwZmVsLnBuZw==?="', "image/png", {"name": "äpfel.png"}),
    ],
)
def test_values_and_parameters(text: str, value: str, params: dict[str, str]) -> None:
    parsed_value, parsed_params, problems = parse(text)
    assert (parsed_value, parsed_params) == (value, params)
    assert problems == ()


def test_an_unknown_rfc2231_charset_is_flagged() -> None:
    assert parse("attachment; filename*=x-klingon''abc%FF") == (
        "attachment",
        {"filename": "abc\ufffd"},
        ("charset_unknown", "charset_fallback"),
    )


def test_only_the_first_parameters_are_read() -> None:
    text = "text/plain; " + "; ".join(f"p{n}={n}" for n in range(1000))
    _, params, _ = parse(text)
    assert len(params) == MAX_PARAMS
    assert params["p0"] == "0"


def test_the_first_of_duplicate_parameters_wins() -> None:
    assert parse("text/plain; charset=utf-8; charset=latin1")[1] == {"charset": "utf-8"}
