"""When an account is polled next: the engine's back-off plus jitter, and the start-up spread."""

from __future__ import annotations

import random

from pop3_mail.backoff import poll_delay

MAX_JITTER = 30.0
"""Seconds at most added at random, so that accounts of one server do not log in together."""
START_SPREAD = 2.0
"""The first polls of all accounts are spread over this many seconds."""


def next_delay(
    interval: float,
    *,
    failures: int = 0,
    error: BaseException | None = None,
    rng: random.Random,
) -> float:
    """Seconds until the next poll: :func:`pop3_mail.backoff.poll_delay` plus jitter.

    Jitter is only ever added, so the delay never drops below the interval, the back-off or the
    server's hint.
    """
    base = poll_delay(interval, failures, error)
    return base + rng.uniform(0.0, min(0.1 * base, MAX_JITTER))


def first_delay(rng: random.Random) -> float:
    """Seconds before an account's first poll after start."""
    return rng.uniform(0.0, START_SPREAD)
