"""The built-in provider table: every row well-formed, sourced, and unique."""

from __future__ import annotations

import string
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from pop3_mail.discovery import NOTE_TEXTS, PROVIDERS, AuthKind, Provider, ProviderTable, Source
from pop3_mail.discovery.address import is_valid_host_name, normalise_domain
from pop3_mail.discovery.providers import ProviderServer
from pop3_mail.settings import Security

ROWS = PROVIDERS.providers

REQUIRED_DOMAINS = {
    # The providers POP3 users actually have (issue 14).
    "gmx.de": "gmx",
    "gmx.net": "gmx",
    "gmx.at": "gmx",
    "gmx.ch": "gmx",
    "gmx.com": "gmx_com",
    "web.de": "webde",
    "t-online.de": "telekom",
    "magenta.de": "telekom",
    "freenet.de": "freenet",
    "online.de": "1und1",
    "strato.de": "strato",
    "vodafone.de": "vodafone",
    "arcor.de": "vodafone",
    "posteo.de": "posteo",
    "mailbox.org": "mailbox_org",
    "gmail.com": "gmail",
    "googlemail.com": "gmail",
    "outlook.com": "outlook",
    "hotmail.com": "outlook",
    "live.com": "outlook",
    "msn.com": "outlook",
    "yahoo.com": "yahoo",
    "aol.com": "aol",
    "zoho.com": "zoho",
    "fastmail.com": "fastmail",
    "yandex.ru": "yandex",
    "mail.ru": "mailru",
    "orange.fr": "orange",
    "free.fr": "free",
    "libero.it": "libero",
    "virgilio.it": "virgilio",
    "seznam.cz": "seznam",
    "o2active.cz": "o2_cz",
    "wp.pl": "wp",
    "onet.pl": "onet",
    "interia.pl": "interia",
    "icloud.com": "icloud",
}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_every_row_is_well_formed(row: Provider) -> None:
    assert row.id
    assert set(row.id) <= set(string.ascii_lowercase + string.digits + "_")
    assert row.name.strip() == row.name
    assert row.name
    assert row.domains or row.mx, "a row must be reachable by domain or by MX"
    for domain in (*row.domains, *row.mx):
        assert normalise_domain(domain) == domain, domain
    if row.server is not None:
        assert is_valid_host_name(row.server.host)
        assert row.server.host == row.server.host.lower()
        assert 0 < row.server.port < 65536
        assert row.server.security is not Security.PLAIN
    for url in filter(None, (row.source, row.help_url)):
        parts = urlsplit(url)
        assert parts.scheme == "https", url
        assert parts.netloc, url
    assert len(set(row.notes)) == len(row.notes)
    for note in row.advice():
        assert note.text
        assert "{" not in note.text
        assert row.name in note.text


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_every_row_names_its_source(row: Provider) -> None:
    # The Thunderbird autoconfig database or the provider's own help pages.
    assert row.source.startswith("https://")
    host = urlsplit(row.source).hostname or ""
    if host == "autoconfig.thunderbird.net":
        assert urlsplit(row.source).path.startswith("/v1.1/")


def test_the_required_providers_are_all_there() -> None:
    for domain, provider_id in REQUIRED_DOMAINS.items():
        provider = PROVIDERS.for_domain(domain)
        assert provider is not None, domain
        assert provider.id == provider_id, domain


def test_microsoft_and_google_are_known_by_their_mail_exchangers() -> None:
    microsoft = PROVIDERS.for_mx(["contoso-com.mail.protection.outlook.com"])
    consumer = PROVIDERS.for_mx(["eur.olc.protection.outlook.com"])
    google = PROVIDERS.for_mx(["smtp.google.com"])
    workspace = PROVIDERS.for_mx(["alt1.aspmx.l.google.com", "aspmx.l.google.com"])
    assert microsoft is not None
    assert microsoft.id == "microsoft365"
    assert consumer is not None
    assert consumer.id == "outlook"
    assert google is not None
    assert google.id == "google_workspace"
    assert workspace is not None
    assert workspace.id == "google_workspace"
    assert PROVIDERS.for_mx(["mx.example.com"]) is None
    # The first exchanger the table knows decides.
    ionos = PROVIDERS.for_mx(["mx.example.com", "mx00.kundenserver.de"])
    assert ionos is not None
    assert ionos.id == "ionos"


def test_microsoft_is_oauth_only_and_says_so() -> None:
    for provider_id in ("outlook", "microsoft365"):
        provider = PROVIDERS.get(provider_id)
        assert provider is not None
        found = provider.found(Source.PROVIDER)
        assert found.auth is AuthKind.OAUTH
        assert found.oauth_only
        assert [note.key for note in found.notes] == ["oauth_microsoft"]
        assert "sign in with Microsoft" in found.notes[0].text


def test_the_traps_are_explained() -> None:
    def keys(domain: str) -> list[str]:
        provider = PROVIDERS.for_domain(domain)
        assert provider is not None
        return list(provider.notes)

    assert "enable_pop3" in keys("gmx.de")
    assert "enable_pop3" in keys("web.de")
    assert keys("t-online.de") == ["separate_mail_password"]
    assert "app_password_required" in keys("gmail.com")
    assert "app_password_required" in keys("yahoo.com")


def test_icloud_says_it_has_no_pop3() -> None:
    provider = PROVIDERS.for_domain("icloud.com")
    assert provider is not None
    assert provider.server is None
    for domain in ("me.com", "mac.com"):
        assert PROVIDERS.for_domain(domain) is provider
    advice = provider.without_pop3()
    assert [note.key for note in advice.notes] == ["no_pop3"]
    assert advice.notes[0].text == "iCloud Mail offers no POP3, only IMAP."
    with pytest.raises(ValueError, match="no POP3"):
        provider.found(Source.PROVIDER)


def test_no_domain_or_mail_exchanger_is_listed_twice() -> None:
    # ProviderTable refuses duplicates when it is built; the built-in table was built.
    domains = [domain for row in ROWS for domain in row.domains]
    exchangers = [suffix for row in ROWS for suffix in row.mx]
    assert len(domains) == len(set(domains))
    assert len(exchangers) == len(set(exchangers))
    assert len({row.id for row in ROWS}) == len(ROWS)
    twice = Provider(
        id="copy", name="Copy", server=ProviderServer("pop.example.net"), source="https://x.test/"
    )
    with pytest.raises(ValueError, match=r"domain 'gmx\.de' of copy is also gmx's"):
        ProviderTable([*ROWS, replace(twice, domains=("gmx.de",))])
    with pytest.raises(ValueError, match=r"MX suffix 'google\.com' of copy"):
        ProviderTable([*ROWS, replace(twice, mx=("google.com",))])


def test_every_note_key_has_a_text_with_the_provider_placeholder() -> None:
    used = {key for row in ROWS for key in row.notes}
    assert used <= set(NOTE_TEXTS)
    for key, text in NOTE_TEXTS.items():
        assert key.isidentifier()
        assert key == key.lower()
        assert "{provider}" in text, key


def test_unchecked_rows_are_marked_and_few() -> None:
    unchecked = {row.id for row in ROWS if not row.checked}
    # Reported as not verified; discovery confirms them with a TLS handshake first.
    assert unchecked == {
        "freenet",
        "zoho_org_eu",
        "virgilio",
        "seznam",
        "o2_cz",
        "wp",
        "onet",
        "interia",
    }


def test_a_checked_row_is_high_confidence_and_mx_rows_medium() -> None:
    gmx = PROVIDERS.for_domain("gmx.de")
    assert gmx is not None
    assert gmx.found(Source.PROVIDER).confidence.value == "high"
    assert gmx.found(Source.MX).confidence.value == "medium"
