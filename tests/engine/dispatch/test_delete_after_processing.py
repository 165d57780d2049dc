"""delete_from_server against a real Dovecot: only after every other action succeeded."""

from __future__ import annotations

from typing import Any

import pytest

from pop3_mail.dispatch.dispatcher import Dispatcher
from pop3_mail.mailbox import Mailbox
from tests.support.dovecot import MailUser

from .conftest import DispatcherFactory
from .helpers import Clock, HttpEndpoint


def message(subject: str) -> bytes:
    return (
        f"From: Shop <shop@example.com>\r\nTo: me@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '.')}@example.com>\r\n\r\nBody of {subject}\r\n"
    ).encode()


def rules(*urls: str, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": "clean up",
            "match": {"subject": "regex:^delete me"},
            "actions": [
                {"notify": {"urls": list(urls), "title": "{{ subject }}"}},
                {"mark_read": True},
                {"delete_from_server": True},
            ],
            **extra,
        }
    ]


async def poll(mailbox: Mailbox, dispatcher: Dispatcher) -> None:
    await mailbox.poll(on_new=dispatcher.handle, wants_full=dispatcher.wants_full)


async def test_deleted_after_all_actions_succeeded(
    mail_user: MailUser,
    endpoint: HttpEndpoint,
    pop3_mailbox: Mailbox,
    make_dispatcher: DispatcherFactory,
) -> None:
    mailbox = pop3_mailbox
    dispatcher = make_dispatcher(rules(endpoint.url("json", "/a")), mailbox=mailbox)
    await poll(mailbox, dispatcher)  # baseline of the empty mailbox
    mail_user.deliver(message("delete me 1"))
    mail_user.deliver(message("keep me 2"))

    await poll(mailbox, dispatcher)
    assert [r.json["title"] for r in endpoint.on("/a")] == ["delete me 1"]
    assert mailbox.unread == 1  # mark_read acknowledged the first one
    assert mail_user.subjects() == ["delete me 1", "keep me 2"]  # DELE happens next session

    result = await mailbox.poll()
    assert len(result.deleted) == 1
    assert mail_user.subjects() == ["keep me 2"]
    assert result.unread == 1


async def test_kept_while_an_action_fails_deleted_after_a_later_retry(
    mail_user: MailUser,
    endpoint: HttpEndpoint,
    pop3_mailbox: Mailbox,
    clock: Clock,
    make_dispatcher: DispatcherFactory,
) -> None:
    endpoint.fail("/b", times=1)
    rule_list = rules(endpoint.url("json", "/a"), endpoint.url("json", "/b"))
    mailbox = pop3_mailbox
    dispatcher = make_dispatcher(rule_list, mailbox=mailbox)
    await dispatcher.start()
    await poll(mailbox, dispatcher)
    mail_user.deliver(message("delete me later"))

    await poll(mailbox, dispatcher)
    await poll(mailbox, dispatcher)
    assert mail_user.subjects() == ["delete me later"]  # /b failed: kept
    assert dispatcher.status.pending_deletions == 1

    # The pending deletion survives a restart of the dispatcher.
    await dispatcher.stop()
    dispatcher = make_dispatcher(rule_list, mailbox=mailbox)
    await dispatcher.start()
    clock.advance(30)
    assert await dispatcher.retry_due() == 1
    assert dispatcher.status.pending_deletions == 0

    await poll(mailbox, dispatcher)
    assert mail_user.subjects() == []
    assert len(endpoint.on("/a")) == 1  # the service that worked was not notified twice
    assert len(endpoint.on("/b")) == 2


async def test_kept_when_a_delivery_is_given_up(
    mail_user: MailUser,
    endpoint: HttpEndpoint,
    pop3_mailbox: Mailbox,
    clock: Clock,
    make_dispatcher: DispatcherFactory,
) -> None:
    endpoint.fail("/a", times=1)
    mailbox = pop3_mailbox
    dispatcher = make_dispatcher(rules(endpoint.url("json", "/a")), mailbox=mailbox, max_outbox=1)
    await poll(mailbox, dispatcher)
    mail_user.deliver(message("delete me first"))
    mail_user.deliver(message("delete me second"))

    await poll(mailbox, dispatcher)  # first fails, second queues behind it, first is dropped
    assert dispatcher.status.dropped == 1
    clock.advance(30)
    assert await dispatcher.retry_due() == 1
    await poll(mailbox, dispatcher)
    assert mail_user.subjects() == ["delete me first"]


async def test_kept_when_a_notify_url_can_never_be_used(
    mail_user: MailUser,
    endpoint: HttpEndpoint,
    pop3_mailbox: Mailbox,
    make_dispatcher: DispatcherFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailbox = pop3_mailbox
    rule_list = rules(endpoint.url("json", "/a"), "nosuchservice://token@host")
    dispatcher = make_dispatcher(rule_list, mailbox=mailbox)
    await poll(mailbox, dispatcher)
    mail_user.deliver(message("delete me not"))

    await poll(mailbox, dispatcher)
    await poll(mailbox, dispatcher)
    assert len(endpoint.on("/a")) == 1  # the usable service is notified all the same
    assert mail_user.subjects() == ["delete me not"]
    assert "kept on the server: a notify action of rule 'clean up'" in caplog.text
