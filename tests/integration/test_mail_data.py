"""Event data and attributes always fit the recorder's limits: shortened, never dropped."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events  # type: ignore[import-untyped]

from custom_components.pop3_mail.const import (
    ATTRIBUTES_BUDGET,
    EVENT_DATA_BUDGET,
    EVENT_RECEIVED,
    MAX_EVENT_DATA_BYTES,
)
from custom_components.pop3_mail.engine.mail.model import Attachment, MailSummary
from custom_components.pop3_mail.mail_data import event_data, fit_to_budget, summary_data
from tests.integration.conftest import advance
from tests.support.dovecot import MailUser


def size(data: dict[str, object]) -> int:
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def summary(**fields: object) -> MailSummary:
    values: dict[str, object] = {"id": "abc", "uid": "u1", "number": 1, "size": 10}
    values.update(fields)
    return MailSummary(**values)  # type: ignore[arg-type]


def test_small_data_is_untouched() -> None:
    data = event_data(summary(subject="Hi"), entry_id="e", account="a@b:995", budget=1000)
    assert data["truncated"] is False
    assert data["subject"] == "Hi"
    assert data["entry_id"] == "e"
    assert data["account"] == "a@b:995"


def test_snippet_is_cut_first() -> None:
    data = event_data(
        summary(subject="Big", snippet="ü" * 3000), entry_id="e", account="a", budget=2000
    )
    assert data["truncated"] is True
    assert size(data) <= 2000
    assert data["snippet"].endswith("…")
    assert data["subject"] == "Big"


def test_lists_lose_their_tail_after_the_snippet() -> None:
    recipients = tuple(f"{'x' * 300}{n}@example.com" for n in range(100))
    attachments = tuple(Attachment(f"file{n}.pdf", "application/pdf", 1) for n in range(50))
    data = event_data(
        summary(snippet="s" * 2000, to=recipients, cc=recipients, attachments=attachments),
        entry_id="e",
        account="a",
        budget=EVENT_DATA_BUDGET,
    )
    assert size(data) <= EVENT_DATA_BUDGET < MAX_EVENT_DATA_BYTES
    assert data["snippet"] == ""
    assert data["cc"] == []
    assert 0 < len(data["to"]) < 100
    assert data["to"] == list(recipients[: len(data["to"])])
    assert len(data["attachments"]) == 50


def test_escaped_text_still_fits() -> None:
    data = fit_to_budget({"snippet": '"\\' * 5000, "subject": "s"}, 500)
    assert size(data) <= 500


def test_attributes_budget() -> None:
    data = fit_to_budget(summary_data(summary(snippet="a" * 20000), "acct"), ATTRIBUTES_BUDGET)
    assert size(data) <= ATTRIBUTES_BUDGET


async def test_an_oversized_message_still_fires_its_event(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_RECEIVED)
    recipients = ",\r\n ".join(f"{'r' * 300}{n}@example.com" for n in range(100))
    mail_user.deliver(
        f"From: a@example.com\r\nTo: {recipients}\r\nCc: {recipients}\r\n"
        "Subject: Huge header\r\n\r\nHi\r\n"
    )
    await advance(hass, 300)
    assert len(events) == 1
    data = events[0].data
    assert data["subject"] == "Huge header"
    assert data["truncated"] is True
    assert size(dict(data)) <= EVENT_DATA_BUDGET
    mail = hass.states.get(f"event.{loaded_entry.title}_mail")
    assert mail is not None
    assert mail.attributes["subject"] == "Huge header"
    assert mail.attributes["truncated"] is True
