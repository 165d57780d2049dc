"""The JSON form of a new message for MQTT (documented in docs/rules.md)."""

from __future__ import annotations

import json
import re
from typing import Any

from ..mail.model import SUMMARY_SCHEMA_VERSION, MailSummary

PAYLOAD_SCHEMA_VERSION = SUMMARY_SCHEMA_VERSION
"""``schema_version`` of :func:`message_payload`; follows the summary's schema version."""

DEFAULT_BASE_TOPIC = "pop3_mail"

_TOPIC_UNSAFE = re.compile(r"[+#/\x00]")


def message_payload(summary: MailSummary, account: str) -> dict[str, Any]:
    """Versioned, JSON-ready description of one message.

    ``id`` is stable across polls and restarts (consumers de-duplicate on it); the remaining
    keys are the summary's fields in their documented order, plus ``account`` and ``sender``.
    """
    fields = summary.as_dict()
    del fields["id"]
    return {
        "schema_version": PAYLOAD_SCHEMA_VERSION,
        "id": summary.id,
        "account": account,
        **fields,
        "sender": summary.sender,
    }


def message_payload_json(summary: MailSummary, account: str) -> str:
    """:func:`message_payload` serialised (UTF-8 text, not ASCII-escaped)."""
    return json.dumps(message_payload(summary, account), ensure_ascii=False)


def topic_segment(text: str) -> str:
    """``text`` usable as one level of an MQTT topic (no wildcards, separators or NUL)."""
    return _TOPIC_UNSAFE.sub("_", text) or "_"


def default_topic(account: str, base_topic: str = DEFAULT_BASE_TOPIC) -> str:
    """Where an ``mqtt`` action without a topic publishes: ``<base>/<account>/message``."""
    return f"{base_topic}/{topic_segment(account)}/message"


def topic_problem(topic: str) -> str | None:
    """Why ``topic`` cannot be published to, or ``None`` when it is fine."""
    if not topic:
        return "the topic is empty"
    if "+" in topic or "#" in topic:
        return "wildcards + and # are not allowed in a topic to publish to"
    if "\x00" in topic:
        return "the topic contains a NUL character"
    if topic.startswith("$"):
        return "topics starting with $ are reserved for the broker"
    if len(topic.encode()) > 65535:
        return "the topic is longer than 65535 bytes"
    return None
