"""Parsing CAPA answers."""

from __future__ import annotations

from pop3_mail.pop3 import Capabilities
from pop3_mail.pop3.capabilities import parse_capabilities


def test_gmail_capabilities() -> None:
    lines = [
        b"USER",
        b"RESP-CODES",
        b"EXPIRE 0",
        b"LOGIN-DELAY 300",
        b"TOP",
        b"UIDL",
        b"X-GOOGLE-RICO",
        b"SASL PLAIN XOAUTH2 OAUTHBEARER",
    ]
    caps = parse_capabilities(lines)
    assert caps.supported
    assert caps.login_delay == 300
    assert caps.expire == "0"
    assert caps.sasl == {"PLAIN", "XOAUTH2", "OAUTHBEARER"}
    assert caps.user
    assert caps.top
    assert caps.uidl
    assert caps.resp_codes
    assert not caps.pipelining
    assert not caps.stls
    assert not caps.auth_resp_code
    assert "X-GOOGLE-RICO" in caps.names
    assert caps.as_list() == [
        "EXPIRE 0",
        "LOGIN-DELAY 300",
        "RESP-CODES",
        "SASL OAUTHBEARER PLAIN XOAUTH2",
        "TOP",
        "UIDL",
        "USER",
        "X-GOOGLE-RICO",
    ]


def test_case_and_odd_arguments() -> None:
    caps = parse_capabilities(
        [
            b"stls",
            b"pipelining",
            b"auth-resp-code",
            b"login-delay 900 USER",
            b"expire 31 USER",
            b"implementation Dovecot \x1b[1m",
            b"",
            b"   ",
        ]
    )
    assert caps.stls
    assert caps.pipelining
    assert caps.auth_resp_code
    assert caps.login_delay == 900
    assert caps.expire == "31 USER"
    assert caps.implementation == "Dovecot  [1m"


def test_malformed_login_delay_is_ignored() -> None:
    assert parse_capabilities([b"LOGIN-DELAY soon"]).login_delay is None
    assert parse_capabilities([b"LOGIN-DELAY"]).login_delay is None


def test_refused_capa() -> None:
    caps = Capabilities(supported=False)
    assert not caps.top
    assert caps.login_delay is None
    assert caps.as_list() == ["(CAPA not supported)"]


def test_absurd_login_delay_is_capped_at_one_day() -> None:
    assert parse_capabilities([b"LOGIN-DELAY 86400"]).login_delay == 86_400
    assert parse_capabilities([b"LOGIN-DELAY 999999999999"]).login_delay == 86_400
