"""Logging (and the status API) of the daemon with every configured secret masked.

The engine never puts secrets into its messages on purpose; this is the second line of defence
against libraries (apprise, paho) or future code that might. Apprise URLs carry their tokens in
the host, user, password, path or query, so those parts are masked on their own too.

Python prints some errors to stderr without logging: an uncaught exception (main thread or
another thread), an exception "ignored" in a finaliser, a warning. :func:`log_uncaught` sends
those through logging as well, so they are masked like everything else.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

MASK = "***"
LEARNT_PER_KEY = 6
"""Secrets learnt while running kept per key: an account's current and last few tokens."""
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


class SecretMask:
    """Replaces every fragment of the configured secrets with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        """Mask ``secrets`` and their URL parts."""
        self._static: set[str] = set()
        for secret in secrets:
            if secret:
                self._static |= secret_fragments(secret)
        self._learnt: dict[str, deque[str]] = {}
        self._fragments: list[str] = []
        self._sort()

    def remember(self, key: str, *secrets: str) -> None:
        """Mask ``secrets`` too, from now on: OAuth tokens arrive while the daemon runs.

        Only the newest :data:`LEARNT_PER_KEY` of each ``key`` (an account) are kept, so that a
        daemon refreshing a token every hour does not mask an ever longer list; older tokens
        have expired or were rotated away.
        """
        learnt = self._learnt.setdefault(key, deque(maxlen=LEARNT_PER_KEY))
        for secret in secrets:
            if secret and secret not in learnt:
                learnt.append(secret)
        self._sort()

    def _sort(self) -> None:
        fragments = set(self._static)
        for learnt in self._learnt.values():
            for secret in learnt:
                fragments |= secret_fragments(secret)
        # Longest first, so a secret containing another is masked whole.
        self._fragments = sorted(fragments, key=len, reverse=True)

    def mask(self, text: str) -> str:
        """``text`` with every secret fragment replaced."""
        for fragment in self._fragments:
            if fragment in text:
                text = text.replace(fragment, MASK)
        return text

    def mask_data(self, value: Any) -> Any:
        """A copy of JSON-like ``value`` with every string (keys too) masked."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask_data(key): self.mask_data(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_data(item) for item in value]
        return value


class MaskingFormatter(logging.Formatter):
    """Formats as usual, then masks every secret fragment."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        """Mask ``secrets`` (and their URL parts) in everything this formatter writes."""
        super().__init__(fmt)
        self._mask = SecretMask(secrets)

    def mask(self, text: str) -> str:
        """``text`` with every secret fragment replaced."""
        return self._mask.mask(text)

    def remember(self, key: str, *secrets: str) -> None:
        """Mask ``secrets`` too from now on (see :meth:`SecretMask.remember`)."""
        self._mask.remember(key, *secrets)

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


def mask_in_logs(key: str, *secrets: str) -> None:
    """Mask ``secrets`` (of ``key``) in what the handlers of :func:`configure_logging` write."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, MaskingFormatter):
            handler.formatter.remember(key, *secrets)


def log_uncaught() -> None:
    """Route uncaught exceptions, ignored exceptions and warnings through logging (masked)."""
    logger = logging.getLogger("pop3_mail.uncaught")

    def main_thread(
        kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        logger.critical("Uncaught exception", exc_info=(kind, error, trace))

    def other_thread(hook: threading.ExceptHookArgs) -> None:
        if hook.exc_type is SystemExit:
            return
        name = hook.thread.name if hook.thread is not None else "unknown"
        logger.error("Uncaught exception in thread %s", name, exc_info=hook.exc_value)

    def ignored(hook: UnraisableHookArgs) -> None:
        where = hook.err_msg or "Exception ignored in"
        logger.error("%s: %r", where, hook.object, exc_info=hook.exc_value)

    sys.excepthook = main_thread
    threading.excepthook = other_thread
    sys.unraisablehook = ignored
    logging.captureWarnings(capture=True)
