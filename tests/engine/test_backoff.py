"""The one back-off policy (engine/backoff.py), used by both hosts and the outbox."""

from __future__ import annotations

import pytest

from pop3_mail.backoff import (
    DELIVERY_BACKOFF,
    POLL_BACKOFF_CAP,
    Backoff,
    poll_delay,
    poll_interval,
)
from pop3_mail.errors import LoginDelayError, MailboxInUseError, TransientServerError


def test_backoff_doubles_from_first_up_to_the_cap() -> None:
    backoff = Backoff(first=10, cap=100)
    assert [backoff.delay(n) for n in range(1, 7)] == [10, 20, 40, 80, 100, 100]
    assert backoff.delay(0) == 10
    # A cap below the first wait never shortens it.
    assert Backoff(first=500, cap=100).delay(3) == 500


def test_deliveries_retry_after_30_s_doubling_to_15_minutes() -> None:
    assert [DELIVERY_BACKOFF.delay(n) for n in (1, 2, 3, 5, 6, 20)] == [
        30,
        60,
        120,
        480,
        900,
        900,
    ]


def test_poll_interval_never_below_login_delay() -> None:
    assert poll_interval(60, None) == 60
    assert poll_interval(60, 300) == 300
    assert poll_interval(600, 300) == 600


def test_polls_retry_at_the_interval_then_double_up_to_an_hour() -> None:
    assert poll_delay(60, 0) == 60
    assert [poll_delay(60, n) for n in (1, 2, 3)] == [60, 120, 240]
    assert poll_delay(60, 20) == POLL_BACKOFF_CAP
    # A long interval is never shortened by the cap.
    assert poll_delay(7200, 5) == 7200


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TransientServerError("busy", retry_after=600), 600),
        (MailboxInUseError("locked", retry_after=30), 60),
        (TransientServerError("busy"), 60),
        (LoginDelayError("too soon", retry_after=25), 26),
    ],
)
def test_server_hints(error: TransientServerError, expected: float) -> None:
    assert poll_delay(60, 1, error) == expected
