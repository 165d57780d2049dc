"""Event data and attributes always fit the recorder's limits: shortened, never dropped."""

from __future__ import annotations

import json
from collections.abc import Callable

from homeassistant.components.recorder.const import SupportedDialect
from homeassistant.components.recorder.db_schema import EventData, StateAttributes
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events  # type: ignore[import-untyped]

from custom_components.pop3_mail.const import (
    ATTRIBUTES_BUDGET,
    CONF_SNIPPET_LENGTH,
    EVENT_DATA_BUDGET,
    EVENT_RECEIVED,
    MAX_EVENT_DATA_BYTES,
    MAX_SNIPPET_LENGTH,
)
from custom_components.pop3_mail.mail_data import event_data, fit_to_budget, summary_data
from pop3_mail.mail.model import Attachment, MailSummary, summary_record
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


def test_event_data_is_the_engine_json_form_plus_what_home_assistant_adds() -> None:
    """Events, attributes and MQTT payloads come from one source (``summary_record``)."""
    message = summary(subject="Hi", snippet="body")
    data = event_data(message, entry_id="e", account="a@b:995", budget=10_000)
    assert data == {"entry_id": "e", **summary_record(message, "a@b:995"), "truncated": False}
    assert summary_data(message, "a") == {**summary_record(message, "a"), "truncated": False}


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


async def test_the_recorder_keeps_the_largest_possible_message(
    hass: HomeAssistant, mail_user: MailUser, make_entry: Callable[..., MockConfigEntry]
) -> None:
    """Measured with the recorder's own encoder: it stores ``{}`` for data above its limits."""
    entry = make_entry(options={CONF_SNIPPET_LENGTH: MAX_SNIPPET_LENGTH})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    events = async_capture_events(hass, EVENT_RECEIVED)
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    # Every field at its cap, in 4-byte characters where text can be.
    recipients = ",\r\n ".join(
        f"=?utf-8?b?8J+TrA==?= <{'r' * 200}{n}@example.com>" for n in range(100)
    )
    subject = " ".join(["=?utf-8?b?8J+TrPCfk6zwn5Os?="] * 400)
    body = "\U0001f4ec" * 5000
    mail_user.deliver(
        f"From: =?utf-8?b?8J+TrA==?= <{'f' * 60}@example.com>\r\nTo: {recipients}\r\n"
        f"Cc: {recipients}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n".encode()
    )
    await advance(hass, 300)

    (event,) = events
    assert event.data["truncated"] is True
    assert len(event.data["subject"]) == 1000  # the engine's cap, kept
    assert len(event.data["to"]) + len(event.data["cc"]) < 200  # recipients dropped for room
    for dialect in (SupportedDialect.SQLITE, SupportedDialect.POSTGRESQL):
        assert EventData.shared_data_bytes_from_event(event, dialect) != b"{}"
    recorded = {
        change.data["entity_id"]: change
        for change in changes
        if change.data["new_state"] is not None
    }
    mail = recorded[f"event.{entry.title}_mail"]
    assert mail.data["new_state"].attributes["event_type"] == "received"
    latest = recorded[f"sensor.{entry.title}_latest_subject"]
    for change in (mail, latest):
        for dialect in (SupportedDialect.SQLITE, SupportedDialect.POSTGRESQL):
            assert StateAttributes.shared_attrs_bytes_from_event(change, dialect) != b"{}"


def test_what_cannot_be_cut_is_returned_as_small_as_it_gets() -> None:
    # Only the listed fields are shortened; ids and addresses stay whole even over budget.
    data = fit_to_budget({"message_id": "m" * 500, "snippet": "s" * 500}, 100)
    assert data == {"message_id": "m" * 500, "snippet": "", "truncated": True}
