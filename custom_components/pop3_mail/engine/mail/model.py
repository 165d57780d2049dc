"""The summary of one message: what sensors, events, rules and notifications see."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

SUMMARY_SCHEMA_VERSION = 1
"""Version of the JSON form of :class:`MailSummary` (MQTT payloads, events); bump on changes."""


def summary_id(account_key: str, uid: str) -> str:
    """Stable identity of a message across polls, restarts and processes.

    Used to de-duplicate events and deliveries downstream.
    """
    return hashlib.sha256(f"{account_key}\x00{uid}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment as seen in the fetched part of a message.

    ``size`` is the decoded size in bytes, or ``None`` when only part of the message was fetched.
    """

    filename: str
    content_type: str
    size: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MailSummary:
    """Decoded, sanitised facts about one message; never raises on access.

    Text fields are single lines free of NUL and control characters (in ``snippet`` too: all
    whitespace, newlines included, is collapsed to single spaces).
    ``complete`` is true when the summary was made from the whole message (``RETR``) rather
    than from ``TOP`` (headers and the first body lines). ``problems`` lists what went wrong
    while decoding (e.g. ``"charset_fallback"``, ``"header_truncated"``; every code is listed in
    :class:`.problems.Problem`), so a flagged summary is still usable.
    """

    id: str
    uid: str
    number: int
    size: int
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    date: str | None = None
    message_id: str | None = None
    snippet: str = ""
    attachments: tuple[Attachment, ...] = ()
    complete: bool = False
    problems: tuple[str, ...] = field(default=())

    @property
    def sender(self) -> str:
        """Display form of the sender: name, else address."""
        return self.from_name or self.from_address

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (lists instead of tuples), in the documented field order."""
        data = asdict(self)
        data["to"] = list(self.to)
        data["cc"] = list(self.cc)
        data["attachments"] = [asdict(attachment) for attachment in self.attachments]
        data["problems"] = list(self.problems)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MailSummary:
        """Inverse of :meth:`as_dict` (for summaries kept in state files and outboxes)."""
        values = dict(data)
        values["to"] = tuple(values.get("to", ()))
        values["cc"] = tuple(values.get("cc", ()))
        values["attachments"] = tuple(
            Attachment(**attachment) for attachment in values.get("attachments", ())
        )
        values["problems"] = tuple(values.get("problems", ()))
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in values.items() if key in known})


def summary_record(summary: MailSummary, account: str) -> dict[str, Any]:
    """The one JSON form of a message for the outside world, versioned.

    MQTT payloads, Home Assistant events and attributes and the variables of rule templates all
    come from here: ``schema_version``, ``id`` (stable across polls and restarts; consumers
    de-duplicate on it), ``account``, the summary's fields in their documented order, then
    ``sender``. A host may trim it to its limits, but does not reshape it.
    """
    fields = summary.as_dict()
    del fields["id"]
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "id": summary.id,
        "account": account,
        **fields,
        "sender": summary.sender,
    }
