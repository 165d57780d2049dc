"""Credential encodings and the choice of mechanism."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest

from pop3_mail.errors import AuthError, ConfigError
from pop3_mail.oauth import FixedToken, checked_token
from pop3_mail.pop3.auth import (
    apop_digest,
    check_credentials,
    choose_method,
    describe_xoauth2_challenge,
    fits_initial_response,
    oauthbearer_response,
    plain_response,
    xoauth2_response,
)
from pop3_mail.pop3.capabilities import NO_CAPABILITIES, parse_capabilities
from pop3_mail.settings import AuthMethod, ServerSettings


def _settings(**changes: Any) -> ServerSettings:
    return replace(ServerSettings(host="pop.example.org", username="u", password="p"), **changes)


def test_apop_digest_rfc1939_example() -> None:
    greeting = b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"
    assert apop_digest(greeting, "tanstaaf") == "c4c9334bac560ecc979e58001b3e22fb"
    assert apop_digest(b"+OK ready\r\n", "tanstaaf") is None


def test_plain_and_xoauth2_messages() -> None:
    assert base64.b64decode(plain_response("user", "pass")) == b"\x00user\x00pass"
    assert (
        base64.b64decode(xoauth2_response("me@example.org", "tok"))
        == b"user=me@example.org\x01auth=Bearer tok\x01\x01"
    )


def test_oauthbearer_message_rfc7628() -> None:
    # RFC 7628 §4.1, with the user as a saslname (RFC 5801 escapes "," and "=").
    message = base64.b64decode(oauthbearer_response("a,b=c@example.com", "vF9dft4", "h.io", 995))
    assert (
        message
        == b"n,a=a=2Cb=3Dc@example.com,\x01host=h.io\x01port=995\x01auth=Bearer vF9dft4\x01\x01"
    )


def test_initial_response_line_limit() -> None:
    # "AUTH PLAIN " (11) + response + CRLF (2) must stay within 255 octets.
    assert fits_initial_response("PLAIN", "a" * 242)
    assert not fits_initial_response("PLAIN", "a" * 243)


@pytest.mark.parametrize(
    ("settings", "sasl", "expected"),
    [
        ({}, [b"SASL PLAIN"], AuthMethod.PLAIN),
        ({}, [b"USER"], AuthMethod.USER),
        ({"oauth": FixedToken("t")}, [b"SASL PLAIN XOAUTH2"], AuthMethod.XOAUTH2),
        ({"oauth": FixedToken("t")}, [b"SASL XOAUTH2 OAUTHBEARER"], AuthMethod.OAUTHBEARER),
        ({"oauth": FixedToken("t")}, [], AuthMethod.XOAUTH2),
        (
            {"oauth": FixedToken("t"), "auth_method": AuthMethod.XOAUTH2},
            [b"SASL OAUTHBEARER"],
            AuthMethod.XOAUTH2,
        ),
        ({"auth_method": AuthMethod.USER}, [b"SASL PLAIN"], AuthMethod.USER),
        ({"auth_method": AuthMethod.APOP}, [], AuthMethod.APOP),
    ],
)
def test_choose_method(settings: dict[str, Any], sasl: list[bytes], expected: AuthMethod) -> None:
    assert choose_method(_settings(**settings), parse_capabilities(sasl)) is expected


def test_auto_without_capa_uses_user_pass() -> None:
    assert choose_method(_settings(), NO_CAPABILITIES) is AuthMethod.USER


@pytest.mark.parametrize("changes", [{"username": "a\r\nDELE 1"}, {"password": "p\nq"}])
def test_line_breaks_in_credentials_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as caught:
        check_credentials(_settings(**changes))
    assert "\n" not in str(caught.value)


def test_describe_xoauth2_challenge() -> None:
    blob = base64.b64encode(b'{"status":"400","schemes":"Bearer","scope":"s"}').decode()
    assert describe_xoauth2_challenge(blob) == "status 400, scope s"
    assert describe_xoauth2_challenge("!!!") == "the server sent an unreadable error"
    assert describe_xoauth2_challenge(base64.b64encode(b"[1]").decode()).startswith("the server")
    assert describe_xoauth2_challenge(base64.b64encode(b"{}").decode()) == "no status given"
    deep = base64.b64encode(b"[" * 5000 + b"]" * 5000).decode()
    assert describe_xoauth2_challenge(deep) == "the server sent an unreadable error"


@pytest.mark.parametrize(
    "changes",
    [
        {"auth_method": AuthMethod.XOAUTH2},
        {"auth_method": AuthMethod.OAUTHBEARER},
        {"auth_method": AuthMethod.PLAIN, "oauth": FixedToken("t")},
    ],
)
def test_oauth_methods_and_providers_go_together(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="OAuth"):
        _settings(**changes)


def test_oauth_settings_need_no_password_and_hide_the_provider() -> None:
    settings = ServerSettings(host="h", username="u", oauth=FixedToken("ya29.secret"))
    assert "secret" not in repr(settings)
    assert "secret" not in repr(settings.oauth)


@pytest.mark.parametrize(
    "token", ["", "a b", "a\r\nDELE 1", "t\x00", "t\x01auth=x", "t" * 20000, None, 42]
)
def test_tokens_that_are_no_bearer_tokens_are_refused(token: object) -> None:
    # One fixed message: whatever came from the provider is never repeated.
    with pytest.raises(AuthError, match=r"^the OAuth provider handed out an access token that"):
        checked_token(token)


def test_bearer_tokens_pass() -> None:
    for token in ("ya29.a0AfH6SM-_~+/x==", "EwBwA8l6BAAU" * 200):
        assert checked_token(token) == token
