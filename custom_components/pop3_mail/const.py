"""Constants of the POP3 Mail integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "pop3_mail"
LOGGER = logging.getLogger(__package__)

# Connection settings (entry.data)
CONF_SECURITY: Final = "security"
CONF_CAFILE: Final = "cafile"
CONF_INSECURE_CONFIRMED: Final = "insecure_confirmed"

# Polling options (entry.options)
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_COUNT_EXISTING_AS_UNREAD: Final = "count_existing_as_unread"
CONF_SNIPPET_LENGTH: Final = "snippet_length"
CONF_MAX_NEW_PER_POLL: Final = "max_new_per_poll"

DEFAULT_SCAN_INTERVAL: Final = 300
MIN_SCAN_INTERVAL: Final = 30
MAX_SCAN_INTERVAL: Final = 24 * 3600
DEFAULT_SNIPPET_LENGTH: Final = 200
MAX_SNIPPET_LENGTH: Final = 2000
DEFAULT_MAX_NEW_PER_POLL: Final = 20
MAX_MAX_NEW_PER_POLL: Final = 200

BUSY_TOLERANCE: Final = 3
"""Consecutive "come back later" answers or timeouts during which entities keep their values."""

EVENT_RECEIVED: Final = "pop3_mail_received"
EVENT_TYPE_RECEIVED: Final = "received"

MAX_EVENT_DATA_BYTES: Final = 32768
"""The recorder refuses event data larger than this (``recorder.db_schema``)."""
EVENT_DATA_BUDGET: Final = 30 * 1024
"""What we allow ourselves, leaving room for the recorder's own keys."""
ATTRIBUTES_BUDGET: Final = 12 * 1024
"""Attribute budget for entity states (the recorder drops attributes above 16 KiB)."""

SERVICE_CHECK_NOW: Final = "check_now"
SERVICE_MARK_READ: Final = "mark_read"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_UID: Final = "uid"

STORAGE_VERSION: Final = 1

CONF_RULES: Final = "rules"
"""Where version 1 entries kept their rules (``entry.options``); migrated to subentries."""
SUBENTRY_RULE: Final = "rule"
"""Subentry type of a rule: its data is the rule in the engine's dict format."""
CONFIG_VERSION: Final = 2
"""Version 2: rules are subentries instead of ``entry.options["rules"]``."""
OUTBOX_REFRESH_SECONDS: Final = 15
"""How often the outbox sensor looks at the dispatcher (it retries on its own schedule)."""
