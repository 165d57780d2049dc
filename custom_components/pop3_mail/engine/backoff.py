"""The one back-off policy: how long to wait after failures in a row, for polls and deliveries.

Exponential: the first retry comes after ``first`` seconds, each further failure doubles the
wait, up to ``cap``. Polls start from the mailbox's own interval (one failure is usually a blip
that the next regular poll settles, so it is not delayed), and double from there to at most an
hour, because a wrong password retried at full speed gets accounts locked by servers that count
failed logins, and an hour still notices recovery the same morning. Deliveries start at 30 s and
stop doubling at 15 minutes: a push target that is down rarely stays down long, and the user
waits for the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LoginDelayError, TransientServerError

POLL_BACKOFF_CAP = 3600.0
"""Repeated poll failures stretch the wait up to one hour (or the interval, if longer)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Wait ``first`` seconds after the first failure, ``factor`` times longer after each next."""

    first: float
    cap: float
    factor: float = 2.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failures in a row (counting from 1).

        Never below ``first``: a cap shorter than the first wait does not shorten it.
        """
        stretched = self.first * self.factor ** max(failures - 1, 0)
        return min(stretched, max(self.cap, self.first))


DELIVERY_BACKOFF = Backoff(first=30.0, cap=15 * 60.0)
"""Retries of a failed delivery (MQTT publish, apprise notification)."""


def poll_interval(scan_interval: float, login_delay: int | None) -> float:
    """Seconds between polls while all is well: the configured interval, at least LOGIN-DELAY."""
    return max(float(scan_interval), float(login_delay or 0))


def poll_delay(interval: float, failures: int, error: BaseException | None = None) -> float:
    """Seconds until the next poll after ``failures`` failed polls in a row (0: the last worked).

    ``interval`` is :func:`poll_interval`. A server's own hint wins where it is longer; after a
    ``[LOGIN-DELAY]`` refusal the server said exactly when, so that hint is used as it is (plus
    a second, so the next login is not early by a rounding).
    """
    if failures <= 0:
        return interval
    delay = Backoff(first=interval, cap=POLL_BACKOFF_CAP).delay(failures)
    if isinstance(error, TransientServerError) and error.retry_after:
        if isinstance(error, LoginDelayError):
            return error.retry_after + 1.0
        delay = max(delay, error.retry_after)
    return delay
