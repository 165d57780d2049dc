"""What the server says it can do (RFC 2449 ``CAPA``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import sanitize_server_text

MAX_CAPA_LINES = 1000


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Parsed ``CAPA`` answer; ``supported`` is false when the server refused ``CAPA``.

    Tag names and SASL mechanisms are upper-cased (RFC 2449 compares them case-insensitively).
    """

    supported: bool
    names: frozenset[str] = frozenset()
    sasl: frozenset[str] = frozenset()
    login_delay: int | None = None
    """Seconds the server wants between logins (``LOGIN-DELAY n``); poll no faster."""
    expire: str | None = None
    """Raw ``EXPIRE`` argument (``"0"``, ``"NEVER"``, ``"31 USER"``)."""
    implementation: str | None = None
    lines: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """The answer's lines as received (sanitised), so that a later session can re-parse them."""

    @property
    def top(self) -> bool:
        """``TOP`` is advertised."""
        return "TOP" in self.names

    @property
    def uidl(self) -> bool:
        """``UIDL`` is advertised."""
        return "UIDL" in self.names

    @property
    def user(self) -> bool:
        """``USER``/``PASS`` is advertised."""
        return "USER" in self.names

    @property
    def pipelining(self) -> bool:
        """Commands may be sent without waiting for each answer."""
        return "PIPELINING" in self.names

    @property
    def stls(self) -> bool:
        """``STLS`` (STARTTLS) is advertised."""
        return "STLS" in self.names

    @property
    def resp_codes(self) -> bool:
        """The server sends RFC 2449 response codes."""
        return "RESP-CODES" in self.names

    @property
    def utf8(self) -> bool:
        """The server offers UTF-8 mode (RFC 6856 ``UTF8``, possibly with ``USER``)."""
        return "UTF8" in self.names

    @property
    def auth_resp_code(self) -> bool:
        """The server promises ``[AUTH]`` on credential failures (RFC 3206)."""
        return "AUTH-RESP-CODE" in self.names

    def as_list(self) -> list[str]:
        """Readable lines for the CLI and diagnostics."""
        if not self.supported:
            return ["(CAPA not supported)"]
        lines = []
        for name in sorted(self.names):
            if name == "SASL":
                lines.append(" ".join(["SASL", *sorted(self.sasl)]))
            elif name == "LOGIN-DELAY" and self.login_delay is not None:
                lines.append(f"LOGIN-DELAY {self.login_delay}")
            elif name == "EXPIRE" and self.expire is not None:
                lines.append(f"EXPIRE {self.expire}")
            elif name == "IMPLEMENTATION" and self.implementation:
                lines.append(f"IMPLEMENTATION {self.implementation}")
            else:
                lines.append(name)
        return lines


NO_CAPABILITIES = Capabilities(supported=False)


MAX_LOGIN_DELAY = 86_400
"""A longer ``LOGIN-DELAY`` is taken as one day: a broken value must not stop polling for years."""


def parse_capabilities(lines: Iterable[bytes]) -> Capabilities:
    """Parse the lines of a ``CAPA`` answer (without status line and end marker).

    Unknown tags are kept by name; malformed arguments are ignored rather than fatal.
    """
    names: set[str] = set()
    sasl: set[str] = set()
    kept: list[str] = []
    login_delay = None
    expire = None
    implementation = None
    for raw in lines:
        words = raw.decode("utf-8", "replace").split()
        if not words:
            continue
        kept.append(sanitize_server_text(" ".join(words)))
        name = sanitize_server_text(words[0].upper())[:64]
        names.add(name)
        arguments = words[1:]
        if name == "SASL":
            sasl.update(sanitize_server_text(word.upper())[:64] for word in arguments)
        elif name == "LOGIN-DELAY" and arguments and arguments[0].isdecimal():
            login_delay = min(int(arguments[0][:9]), MAX_LOGIN_DELAY)
        elif name == "EXPIRE" and arguments:
            expire = sanitize_server_text(" ".join(arguments))
        elif name == "IMPLEMENTATION" and arguments:
            implementation = sanitize_server_text(" ".join(arguments))
    return Capabilities(
        supported=True,
        names=frozenset(names),
        sasl=frozenset(sasl),
        login_delay=login_delay,
        expire=expire,
        implementation=implementation,
        lines=tuple(kept),
    )
