"""Polling options of an entry (``entry.options``) turned into engine options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pop3_mail.mailbox import PollOptions
from pop3_mail.tracking import TrackingOptions

from .const import (
    CONF_COUNT_EXISTING_AS_UNREAD,
    CONF_MAX_NEW_PER_POLL,
    CONF_SCAN_INTERVAL,
    CONF_SNIPPET_LENGTH,
    DEFAULT_MAX_NEW_PER_POLL,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_SNIPPET_LENGTH,
    MIN_SCAN_INTERVAL,
)


def scan_interval(options: Mapping[str, Any]) -> int:
    """Configured seconds between checks, never below the minimum.

    The options form enforces the minimum; this guards a hand-edited ``core.config_entries``.
    """
    return max(int(options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)), MIN_SCAN_INTERVAL)


def poll_options(options: Mapping[str, Any]) -> PollOptions:
    """What each poll fetches, from the entry's options (defaults for missing keys)."""
    return PollOptions(
        snippet_length=int(options.get(CONF_SNIPPET_LENGTH, DEFAULT_SNIPPET_LENGTH)),
        max_new_per_poll=int(options.get(CONF_MAX_NEW_PER_POLL, DEFAULT_MAX_NEW_PER_POLL)),
        tracking=TrackingOptions(
            count_existing_as_unread=bool(options.get(CONF_COUNT_EXISTING_AS_UNREAD, False))
        ),
    )
