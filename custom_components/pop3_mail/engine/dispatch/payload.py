"""The JSON form of a new message for MQTT (documented in docs/rules.md)."""

from __future__ import annotations

import json
import re

from ..mail.model import MailSummary, summary_record

DEFAULT_BASE_TOPIC = "pop3_mail"

_TOPIC_UNSAFE = re.compile(r"[+#/\x00]")


def message_payload_json(summary: MailSummary, account: str) -> str:
    """The message's :func:`~..mail.model.summary_record` as MQTT payload (UTF-8, not escaped)."""
    return json.dumps(summary_record(summary, account), ensure_ascii=False)


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
