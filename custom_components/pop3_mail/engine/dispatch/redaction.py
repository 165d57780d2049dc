"""Keeps the secrets of apprise URLs out of apprise's own log messages, and urllib3's.

The dispatcher itself only ever names a service by apprise's privacy form of its URL. apprise,
and urllib3 underneath it, log request URLs, payloads and exceptions at debug level, which for
many services carry the token (``.../bot<token>/sendMessage``, a ``-token=`` query parameter,
a ``+Authorization`` header, a payload with the app token). A filter on those loggers replaces
the secret parts of every URL the dispatcher loads with ``****`` before any handler sees them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from urllib.parse import unquote, unquote_plus, urlsplit

MASK = "****"
LIBRARY_LOGGERS = ("apprise", "urllib3.connectionpool")
"""Loggers whose records are redacted (apprise logs everything through the one logger)."""
_MIN_FRAGMENT = 6
"""URL parts shorter than this are not masked on their own (they would mask ordinary words)."""
_MIN_PASSWORD = 3


def url_secrets(url: str, privacy_url: str | None = None) -> set[str]:
    """The parts of an apprise ``url`` to hide: its password, header and parameter values.

    With ``privacy_url`` (apprise's masked form of the same URL) every longer part of the URL
    that the masked form hides counts as secret too: tokens in the host, user or path.
    Without it, a "host" without dots (``tgram://<bot token>/…``) is taken for a token.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return {url}
    secrets: set[str] = set()
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    if len(password) >= _MIN_PASSWORD:
        secrets.update({password, unquote(password)})
    # apprise's custom headers (+name) and URL parameters (-name) are where webhooks put tokens.
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        if unquote(key)[:1] in "+-" and len(value) >= _MIN_PASSWORD:
            secrets.update({value, unquote(value), unquote_plus(value)})
    pieces = [hostport, *hostport.split(":")]
    if privacy_url is None:
        if "." in hostport:
            return secrets
    else:
        pieces += [userinfo, user, *parts.path.split("/")]
    visible = unquote(privacy_url.partition("?")[0]) if privacy_url else ""
    for piece in map(unquote, pieces):
        if len(piece) >= _MIN_FRAGMENT and piece not in visible:
            secrets.add(piece)
    return secrets


class SecretRedactingFilter(logging.Filter):
    """Replaces known secrets in a record's message and traceback; never drops a record."""

    def __init__(self) -> None:
        """A filter that knows no secrets yet."""
        super().__init__()
        self._secrets: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add(self, secrets: Iterable[str]) -> None:
        """Hide ``secrets`` from now on (called from worker threads)."""
        with self._lock:
            merged = set(self._secrets) | {secret for secret in secrets if secret}
            # Longest first, so that a secret containing another is masked whole.
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def redact(self, text: str) -> str:
        """``text`` with every known secret replaced by :data:`MASK`."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place (the same record then reaches every handler)."""
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the library's problem, not ours
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


_FILTER = SecretRedactingFilter()


def hide_in_library_logs(secrets: Iterable[str]) -> None:
    """Mask ``secrets`` in everything apprise and urllib3 log from now on (thread-safe)."""
    _FILTER.add(secrets)
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
