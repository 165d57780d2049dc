"""Mail summaries shaped for Home Assistant: event data and attributes that fit the limits.

The recorder refuses event data above 32 KiB and state attributes above 16 KiB. Core ``imap``
drops such events; here the bulky fields are shortened instead (snippet first) and the result
is flagged with ``truncated``, so every message still produces its event.
"""

from __future__ import annotations

import math
from typing import Any

from homeassistant.helpers.json import json_bytes

from pop3_mail.mail.model import MailSummary, summary_record

_TRIM_ORDER = ("snippet", "cc", "to", "attachments", "problems", "subject", "from_name")
"""Fields shortened, in this order, until the data fits (the least useful first)."""


def summary_data(summary: MailSummary, account: str) -> dict[str, Any]:
    """The engine's JSON form of the message, and whether it had to be shortened to fit."""
    return {**summary_record(summary, account), "truncated": False}


def event_data(summary: MailSummary, *, entry_id: str, account: str, budget: int) -> dict[str, Any]:
    """Data of one ``pop3_mail_received`` event, at most ``budget`` bytes as JSON."""
    return fit_to_budget({"entry_id": entry_id, **summary_data(summary, account)}, budget)


def fit_to_budget(data: dict[str, Any], budget: int) -> dict[str, Any]:
    """A copy of ``data`` whose JSON form is at most ``budget`` bytes.

    Long text is cut, long lists lose their tail; ``truncated`` tells the reader.
    """
    if _size(data) <= budget:
        return data
    data = {**data, "truncated": True}
    for key in _TRIM_ORDER:
        value = data.get(key)
        if isinstance(value, str):
            data[key] = _shrink_text(data, key, value, budget)
        elif isinstance(value, list):
            data[key] = _shrink_list(data, key, value, budget)
        if _size(data) <= budget:
            break
    return data


def _size(data: dict[str, Any]) -> int:
    return len(json_bytes(data))


def _shrink_text(data: dict[str, Any], key: str, text: str, budget: int) -> str:
    # Cut by the text's average JSON bytes per character; escapes and multi-byte characters
    # are uneven, hence the loop (it ends: the text gets shorter on every pass).
    while text:
        excess = _size({**data, key: text}) - budget
        if excess <= 0:
            break
        bytes_per_char = max(len(json_bytes(text)) / len(text), 1.0)
        keep = len(text) - math.ceil(excess / bytes_per_char) - 1  # room for the ellipsis
        text = text[:keep] + "…" if keep > 0 else ""
    return text


def _shrink_list(data: dict[str, Any], key: str, items: list[Any], budget: int) -> list[Any]:
    # Binary search for the longest head of the list that fits.
    low, high = 0, len(items)
    while low < high:
        middle = (low + high + 1) // 2
        if _size({**data, key: items[:middle]}) <= budget:
            low = middle
        else:
            high = middle - 1
    return items[:low]
