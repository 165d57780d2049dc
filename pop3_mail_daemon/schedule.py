"""When an account is polled next: interval, jitter, LOGIN-DELAY and back-off after failures."""

from __future__ import annotations

import random

MAX_JITTER = 30.0
"""Seconds at most added at random, so that accounts of one server do not log in together."""
MAX_BACKOFF = 3600.0
"""Repeated failures stretch the interval up to one hour (or the interval, if longer)."""
START_SPREAD = 2.0
"""The first polls of all accounts are spread over this many seconds."""


def effective_interval(scan_interval: float, login_delay: int | None) -> float:
    """The configured interval, but never shorter than the server's LOGIN-DELAY."""
    return max(float(scan_interval), float(login_delay or 0))


def next_delay(
    scan_interval: float,
    login_delay: int | None,
    *,
    failures: int = 0,
    retry_after: float | None = None,
    rng: random.Random,
) -> float:
    """Seconds until the next poll.

    ``failures`` consecutive failed polls double the interval each time (an account with a
    wrong password should not hammer the server, and some servers lock accounts after many
    failed logins). ``retry_after`` is the server's own hint. Jitter is only ever added, so the
    delay never drops below the interval or the LOGIN-DELAY.
    """
    base = effective_interval(scan_interval, login_delay)
    if failures > 0:
        base = min(base * 2 ** (failures - 1), max(base, MAX_BACKOFF))
    if retry_after is not None:
        base = max(base, retry_after)
    return base + rng.uniform(0.0, min(0.1 * base, MAX_JITTER))


def first_delay(rng: random.Random) -> float:
    """Seconds before an account's first poll after start."""
    return rng.uniform(0.0, START_SPREAD)
