"""Reading config-v1.1.xml: the POP3 entry, placeholders, and documents that are refused."""

from __future__ import annotations

import pytest

from pop3_mail.discovery import AuthKind, UsernameForm, parse_address
from pop3_mail.discovery.autoconfig import (
    MAX_DOCUMENT,
    autoconfig_urls,
    parse_autoconfig,
    redirect_allowed,
)
from pop3_mail.discovery.xmlsafe import UnsafeXmlError
from pop3_mail.settings import Security

ADDRESS = parse_address("jane@example.com")


def document(*servers: str, extra: str = "") -> bytes:
    body = "".join(servers)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">'
        f'<emailProvider id="example.com"><domain>example.com</domain>'
        f"<displayName>Example Mail</displayName><displayShortName>Example</displayShortName>"
        f"{body}{extra}</emailProvider></clientConfig>"
    ).encode()


def pop3(
    host: str,
    port: int,
    socket_type: str,
    username: str = "%EMAILADDRESS%",
    auth: tuple[str, ...] = ("password-cleartext",),
    kind: str = "pop3",
) -> str:
    methods = "".join(f"<authentication>{method}</authentication>" for method in auth)
    return (
        f'<incomingServer type="{kind}"><hostname>{host}</hostname><port>{port}</port>'
        f"<socketType>{socket_type}</socketType><username>{username}</username>{methods}"
        "</incomingServer>"
    )


def test_the_pop3_server_with_implicit_tls_is_preferred() -> None:
    answer = parse_autoconfig(
        document(
            pop3("imap.example.com", 993, "SSL", kind="imap"),
            pop3("pop.example.com", 110, "STARTTLS"),
            pop3("POP.%EMAILDOMAIN%", 995, "SSL", username="%EMAILLOCALPART%"),
        ),
        ADDRESS,
    )
    server = answer.server
    assert server is not None
    assert (server.host, server.port, server.security) == ("pop.example.com", 995, Security.SSL)
    assert server.username_form is UsernameForm.LOCAL_PART
    assert server.auth is AuthKind.PASSWORD
    assert server.provider_name == "Example"


def test_starttls_oauth_and_the_enable_instruction() -> None:
    answer = parse_autoconfig(
        document(
            pop3("pop.example.com", 110, "STARTTLS", auth=("OAuth2",)),
            extra=(
                '<enable visiturl="https://example.com/settings">'
                "<instruction>Turn POP3 on first!</instruction>"
                '<instruction lang="de">Erst POP3 einschalten!</instruction></enable>'
            ),
        ),
        ADDRESS,
    )
    server = answer.server
    assert server is not None
    assert server.security is Security.STARTTLS
    assert server.auth is AuthKind.OAUTH
    assert server.username_form is UsernameForm.ADDRESS
    (note,) = server.notes
    assert (note.key, note.text, note.url) == (
        "enable_pop3",
        "Turn POP3 on first!",
        "https://example.com/settings",
    )


def test_plaintext_only_is_no_server() -> None:
    answer = parse_autoconfig(document(pop3("pop.example.com", 110, "plain")), ADDRESS)
    assert answer.server is None
    assert answer.plaintext_only


def test_entries_with_unusable_values_are_skipped() -> None:
    answer = parse_autoconfig(
        document(
            pop3("bad host!", 995, "SSL"),
            pop3("pop.example.com", 70000, "SSL"),
            pop3("pop2.example.com", 995, "SSL"),
        ),
        ADDRESS,
    )
    assert answer.server is not None
    assert answer.server.host == "pop2.example.com"
    assert parse_autoconfig(document(), ADDRESS).server is None


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"<a>" + b"x" * MAX_DOCUMENT + b"</a>", "larger than 64 KiB"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b"<clientConfig>&lol2;</clientConfig>",
            "document type declaration",
        ),
        (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "e">]><x/>'.encode(
                "utf-16"
            ),
            "document type declaration",
        ),
        (b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>', "document type declaration"),
        (b"<clientConfig>&undefined;</clientConfig>", "undefined entity"),
        (b"<clientConfig>", "not well-formed"),
        (b"<html><body>It works!</body></html>", "not <clientConfig>"),
        (b"<a>" * 40 + b"</a>" * 40, "nested deeper"),
    ],
    ids=["huge", "billion-laughs", "utf16-dtd", "external-dtd", "entity", "broken", "html", "deep"],
)
def test_hostile_documents_are_refused(data: bytes, problem: str) -> None:
    with pytest.raises(UnsafeXmlError, match=problem):
        parse_autoconfig(data, ADDRESS)


def test_the_two_autoconfig_urls() -> None:
    assert autoconfig_urls(parse_address("j+x@example.com")) == (
        "https://autoconfig.example.com/mail/config-v1.1.xml?emailaddress=j%2Bx@example.com",
        "https://example.com/.well-known/autoconfig/mail/config-v1.1.xml",
    )
    assert autoconfig_urls(ADDRESS, 8443)[1].startswith("https://example.com:8443/")


@pytest.mark.parametrize(
    ("location", "allowed"),
    [
        ("https://example.com/.well-known/autoconfig/mail/config-v1.1.xml", True),
        ("https://autoconfig.example.com/other.xml", True),
        ("https://AUTOCONFIG.EXAMPLE.COM./x", True),
        ("http://autoconfig.example.com/x", False),
        ("https://evil.example.net/x", False),
        ("https://example.com.evil.net/x", False),
        ("https://mail.example.com/x", False),
        ("https://user@example.com/x", False),
        ("https://example.com:8443/x", False),
        ("ftp://example.com/x", False),
    ],
)
def test_redirects_stay_on_https_at_the_domain(location: str, allowed: bool) -> None:
    assert redirect_allowed(location, ADDRESS, 443) is allowed
