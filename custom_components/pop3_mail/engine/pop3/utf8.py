"""RFC 6856 UTF-8 mode: why the client asks for it, and what a refusal means.

A server that advertises ``UTF8`` may hold messages whose headers are raw UTF-8 (RFC 6532). Until
the client sends ``UTF8`` it must not hand such a message to a client that cannot read it: Courier
replaces each one with a notice ("Cannot display Unicode content", empty sender), even when the
only 8-bit byte is in an attachment's file name. The summariser reads raw UTF-8 headers as UTF-8
(``mail.encoded_words``), so the client always asks when it is offered.

RFC 6856 §2 allows ``UTF8`` only in the AUTHORIZATION state, before authentication; it is sent
after ``STLS`` (the capabilities read over TLS are the ones that count, RFC 2595 §4). A refusal
is not fatal: the session goes on as before, and the server keeps replacing such messages.
``LANG`` (RFC 6856 §3) is tolerated but never sent: replies stay in the server's default
language, and their text is read as UTF-8 either way.
"""

from __future__ import annotations

import logging

from .responses import Status

_LOGGER = logging.getLogger(__name__)


def utf8_enabled(status: Status, peer: str) -> bool:
    """Whether the answer to ``UTF8`` switched UTF-8 mode on (a refusal is only logged)."""
    if status.ok:
        return True
    _LOGGER.info(
        "%s refused UTF8 (%s); messages with raw UTF-8 headers may be replaced by the server",
        peer,
        status.safe_text or "no reason given",
    )
    return False
