"""Discovery results in words, for ``validate`` and ``check`` (no secrets in them)."""

from __future__ import annotations

from pop3_mail.discovery import Discovery, EmailAddress, FoundServer, Source

HOW = {
    Source.PROVIDER: "the provider table",
    Source.AUTOCONFIG: "the domain's autoconfig document",
    Source.SRV: "DNS SRV records",
    Source.MX: "the domain's mail exchanger (MX)",
    Source.GUESS: "a guess confirmed by a TLS handshake",
}


def describe_found(
    found: FoundServer, address: EmailAddress, username: str | None, *, cached: bool = False
) -> list[str]:
    """What will be used and how it was learnt, then the provider's notes."""
    user = username or found.username(address)
    origin = HOW[found.source] + (", cached" if cached else "")
    lines = [
        f"{found.host}:{found.port} ({found.security.value}) as {user}, found by {origin} "
        f"({found.confidence.value} confidence)"
    ]
    if found.provider_name:
        lines.append(f"provider: {found.provider_name}")
    for note in found.notes:
        lines.append(f"note: {note.text}" + (f" ({note.url})" if note.url else ""))
    return lines


def describe_unfound(result: Discovery) -> list[str]:
    """Advice and held-back answers when no server can be used."""
    lines: list[str] = []
    if result.no_pop3 is not None:
        lines += [f"note: {note.text}" for note in result.no_pop3.notes]
    for held in result.held_back:
        lines.append(
            f"held back: {held.host}:{held.port} ({held.security.value}), found by "
            f"{HOW[held.source]}"
        )
    return lines


def describe_warnings(result: Discovery) -> list[str]:
    """One line per discovery warning."""
    return [f"warning: {warning.message}" for warning in result.warnings]
