"""Logging for the daemon with every configured secret masked, tracebacks included.

The engine never puts secrets into its messages on purpose; this is the second line of defence
against libraries (apprise, paho) or future code that might. Apprise URLs carry their tokens in
the host, user, password, path or query, so those parts are masked on their own too.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
_MIN_FRAGMENT = 6
"""URL parts shorter than this are not masked on their own (they would mask ordinary words)."""

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def secret_fragments(secret: str) -> set[str]:
    """The strings to hide for one secret: itself and, for a URL, its token-bearing parts."""
    fragments = {secret}
    if "://" not in secret:
        return fragments
    try:
        parts = urlsplit(secret)
        userinfo, _, hostport = parts.netloc.rpartition("@")
        candidates = [userinfo, *userinfo.split(":"), *parts.path.split("/")]
        candidates += [value for _, value in parse_qsl(parts.query)]
    except ValueError:
        return fragments
    if "." not in hostport:
        # tgram://<bot token>/…: a "host" without dots is a token, not a name.
        candidates += [hostport, *hostport.split(":")]
    for candidate in candidates:
        if candidate and len(candidate) >= _MIN_FRAGMENT:
            fragments.update({candidate, unquote(candidate)})
    return fragments


class MaskingFormatter(logging.Formatter):
    """Formats as usual, then replaces every secret fragment with ``***``."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        """Mask ``secrets`` (and their URL parts) in everything this formatter writes."""
        super().__init__(fmt)
        fragments: set[str] = set()
        for secret in secrets:
            if secret:
                fragments |= secret_fragments(secret)
        # Longest first, so a secret containing another is masked whole.
        self._fragments = sorted(fragments, key=len, reverse=True)

    def mask(self, text: str) -> str:
        """``text`` with every secret fragment replaced."""
        for fragment in self._fragments:
            if fragment in text:
                text = text.replace(fragment, MASK)
        return text

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, masked."""
        return self.mask(super().format(record))


def configure_logging(
    level: str, secrets: Iterable[str], stream: TextIO | None = None
) -> logging.Handler:
    """Send all logging to ``stream`` (stderr) through a masking formatter; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(MaskingFormatter(LOG_FORMAT, secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # asyncio and aiohttp's access log add nothing but noise below warning level.
    for noisy in ("aiohttp.access", "asyncio"):
        logging.getLogger(noisy).setLevel(max(root.level, logging.WARNING))
    return handler
