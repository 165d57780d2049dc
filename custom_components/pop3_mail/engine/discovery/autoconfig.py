"""Thunderbird's autoconfig format (``config-v1.1.xml``): the POP3 server a domain announces.

Only ``incomingServer type="pop3"`` entries with TLS are taken (implicit TLS before
STARTTLS); a document that offers POP3 in plaintext only yields no server and says so.
Placeholders (``%EMAILADDRESS%``, ``%EMAILLOCALPART%``, ``%EMAILDOMAIN%``) are filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote, urlsplit

from ..errors import sanitize_server_text
from ..settings import DEFAULT_PORTS, Security
from .address import EmailAddress, is_valid_host_name
from .model import AuthKind, Confidence, FoundServer, Note, Source, UsernameForm
from .xmlsafe import Element, UnsafeXmlError, parse

MAX_DOCUMENT = 64 * 1024
"""Autoconfig documents are a few KiB; anything larger is refused unread."""

_SOCKET_TYPES = {"SSL": Security.SSL, "STARTTLS": Security.STARTTLS}
_PASSWORD_AUTH = {"password-cleartext", "password-encrypted", "plain", "secure"}


@dataclass(frozen=True, slots=True)
class AutoconfigAnswer:
    """What one document says: a server, or that POP3 is offered in plaintext only."""

    server: FoundServer | None
    plaintext_only: bool = False


def autoconfig_urls(address: EmailAddress, https_port: int = 443) -> tuple[str, str]:
    """The two places a domain publishes its document, in the order they are preferred."""
    port = "" if https_port == 443 else f":{https_port}"
    query = quote(address.address, safe="@")
    return (
        f"https://autoconfig.{address.domain}{port}/mail/config-v1.1.xml?emailaddress={query}",
        f"https://{address.domain}{port}/.well-known/autoconfig/mail/config-v1.1.xml",
    )


def redirect_allowed(location: str, address: EmailAddress, https_port: int) -> bool:
    """Whether a redirect to ``location`` stays on HTTPS at the domain or its autoconfig host.

    Anything else (another host, plain HTTP, a user in the URL) could hand discovery to a
    third party.
    """
    parts = urlsplit(location)
    try:
        port = parts.port or 443
    except ValueError:
        return False
    host = (parts.hostname or "").rstrip(".").lower()
    return (
        parts.scheme == "https"
        and parts.username is None
        and port == https_port
        and host in (address.domain, f"autoconfig.{address.domain}")
    )


def parse_autoconfig(data: bytes, address: EmailAddress) -> AutoconfigAnswer:
    """The POP3 server in ``data``.

    Raises:
        UnsafeXmlError: not an acceptable document (size, DTD, entities, not well-formed, not a
            ``clientConfig``).

    """
    root = parse(data, max_bytes=MAX_DOCUMENT)
    if root.tag != "clientConfig":
        raise UnsafeXmlError(f"the root element is <{root.tag[:40]}>, not <clientConfig>")
    provider = root.find("emailProvider")
    if provider is None:
        return AutoconfigAnswer(None)
    name = _clean(provider.child_text("displayShortName") or provider.child_text("displayName"))
    candidates = []
    plaintext = False
    for entry in provider.find_all("incomingServer"):
        if entry.attributes.get("type", "").lower() != "pop3":
            continue
        server = _server(entry, address, name)
        if server is None:
            socket_type = (entry.child_text("socketType") or "").upper()
            plaintext = plaintext or socket_type in ("PLAIN", "")
            continue
        candidates.append(server)
    if not candidates:
        return AutoconfigAnswer(None, plaintext_only=plaintext)
    # Implicit TLS first (RFC 8314), then document order.
    candidates.sort(key=lambda server: server.security is not Security.SSL)
    return AutoconfigAnswer(replace(candidates[0], notes=_enable_notes(root, provider, name)))


def _server(entry: Element, address: EmailAddress, name: str | None) -> FoundServer | None:
    security = _SOCKET_TYPES.get((entry.child_text("socketType") or "").upper())
    if security is None:
        return None
    host = _fill(entry.child_text("hostname") or "", address).lower().rstrip(".")
    if not is_valid_host_name(host):
        return None
    port_text = entry.child_text("port") or ""
    port = int(port_text) if port_text.isdigit() else DEFAULT_PORTS[security]
    if not 0 < port < 65536:
        return None
    methods = {(item.text or "").strip().lower() for item in entry.find_all("authentication")}
    auth = AuthKind.OAUTH if methods == {"oauth2"} else AuthKind.PASSWORD
    # The domain's own statement, fetched over verified HTTPS from the domain itself.
    return FoundServer(
        host=host,
        port=port,
        security=security,
        username_form=_username_form(entry.child_text("username"), address),
        auth=auth,
        source=Source.AUTOCONFIG,
        confidence=Confidence.HIGH,
        provider_name=name,
    )


def _username_form(template: str | None, address: EmailAddress) -> UsernameForm:
    if template and _fill(template, address) == address.local:
        return UsernameForm.LOCAL_PART
    # The whole address is what the format's placeholders mean most of the time, and what
    # nearly every provider accepts.
    return UsernameForm.ADDRESS


def _fill(template: str, address: EmailAddress) -> str:
    return (
        template.replace("%EMAILADDRESS%", address.address)
        .replace("%EMAILLOCALPART%", address.local)
        .replace("%EMAILDOMAIN%", address.domain)
        .strip()
    )


def _enable_notes(root: Element, provider: Element, name: str | None) -> tuple[Note, ...]:
    """An ``<enable>`` element (under the provider or the root) means: switch access on first."""
    enable = provider.find("enable") or root.find("enable")
    if enable is None:
        return ()
    english = [
        item.text
        for item in enable.find_all("instruction")
        if item.attributes.get("lang", "en").lower().startswith("en")
    ]
    url = enable.attributes.get("visiturl")
    if url is not None and urlsplit(url).scheme != "https":
        url = None  # never send the user to a plain-HTTP page for their credentials
    text = _clean(english[0] if english else None) or (
        f"{name or 'The provider'} refuses POP3 until access is enabled in its settings."
    )
    return (Note("enable_pop3", text, url),)


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = sanitize_server_text(" ".join(text.split()))
    return cleaned or None
