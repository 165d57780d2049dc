"""Notifications through apprise to a real local HTTP endpoint (json:// and form://)."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import threading
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from pop3_mail.dispatch.attachments import extract_attachments
from pop3_mail.dispatch.held import HeldAttachments
from pop3_mail.dispatch.notify import invalid_urls
from pop3_mail.pop3 import RetrievedMessage

from .conftest import DispatcherFactory
from .helpers import (
    Clock,
    HttpEndpoint,
    Poll,
    RecordingMailbox,
    eventually,
    let_time_pass,
    make_summary,
)

SECRET = "tok3n-VERY-secret"


def notify_rule(*urls: str, name: str = "push", **options: Any) -> dict[str, Any]:
    return {"name": name, "actions": [{"notify": {"urls": list(urls), **options}}]}


async def test_json_and_form_targets_get_title_and_body(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory
) -> None:
    dispatcher = make_dispatcher(
        [
            notify_rule(
                endpoint.url("json", "/json", f"user:{SECRET}"),
                endpoint.url("form", "/form"),
                title="Parcel from {{ sender }}",
                body="{{ subject }} for {{ account }}",
            )
        ]
    )
    await dispatcher.start()
    await dispatcher.handle(Poll((make_summary(subject="Zugestellt"),)))

    (json_request,) = endpoint.on("/json")
    assert json_request.json["title"] == "Parcel from Alice Example"
    assert json_request.json["message"] == "Zugestellt for home"
    expected_auth = base64.b64encode(f"user:{SECRET}".encode()).decode()
    assert json_request.headers["Authorization"] == f"Basic {expected_auth}"
    (form_request,) = endpoint.on("/form")
    assert form_request.form["title"] == "Parcel from Alice Example"
    assert form_request.form["message"] == "Zugestellt for home"
    status = dispatcher.status
    assert (status.delivered, status.failed, status.outbox_size) == (2, 0, 0)


async def test_default_title_and_body(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory
) -> None:
    dispatcher = make_dispatcher([notify_rule(endpoint.url("json", "/j"))])
    await dispatcher.handle(Poll((make_summary(subject="Invoice", snippet="Amount due: 5 €"),)))
    (request,) = endpoint.on("/j")
    assert request.json["title"] == "New mail from Alice Example"
    assert request.json["message"] == "Invoice\n\nAmount due: 5 €"


@pytest.mark.parametrize(
    ("body_format", "body", "service_format", "expected"),
    [
        # The body format reaches apprise, which converts for services that want another one.
        ("text", "<i>{{ subject }}</i>", "text", "<i>S<&></i>"),
        ("text", "<i>{{ subject }}</i>", "html", "&lt;i&gt;S&lt;&amp;&gt;&lt;/i&gt;"),
        ("markdown", "**{{ subject }}**", "markdown", "**S<&>**"),
        ("markdown", "**{{ subject }}**", "html", "<strong>S&lt;&amp;&gt;</strong>"),
        # HTML bodies escape what the template inserts.
        ("html", "<b>{{ subject }}</b>", "html", "<b>S&lt;&amp;&gt;</b>"),
        ("html", "<b>{{ subject }}</b>", "text", "S<&>"),
        ("html", None, "html", "<p><b>S&lt;&amp;&gt;</b></p><p>Hi there</p>"),
    ],
)
async def test_body_formats(
    endpoint: HttpEndpoint,
    make_dispatcher: DispatcherFactory,
    body_format: str,
    body: str | None,
    service_format: str,
    expected: str,
) -> None:
    url = endpoint.url("json", f"/j?format={service_format}")
    options = {"format": body_format} | ({"body": body} if body else {})
    dispatcher = make_dispatcher([notify_rule(url, **options)])
    await dispatcher.handle(Poll((make_summary(subject="S<&>"),)))
    (request,) = endpoint.on("/j")
    assert expected in request.json["message"]


@pytest.mark.parametrize("scheme", ["json", "form"])
async def test_http_500_is_retried_on_schedule_and_delivered_once(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, clock: Clock, scheme: str
) -> None:
    endpoint.fail("/j")
    dispatcher = make_dispatcher(
        [notify_rule(endpoint.url(scheme, "/j", f"u:{SECRET}"), title="T {{ subject }}")]
    )
    await dispatcher.start()
    poll = Poll((make_summary(),))
    await dispatcher.handle(poll)
    assert len(endpoint.on("/j")) == 1
    status = dispatcher.status
    assert (status.outbox_size, status.failed, status.delivered) == (1, 1, 0)
    assert status.last_error is not None
    assert "u:****@127.0.0.1" in status.last_error
    assert status.next_retry is not None
    assert status.next_retry.timestamp() == clock.now + 30

    clock.advance(29)
    assert await dispatcher.retry_due() == 0
    assert len(endpoint.on("/j")) == 1
    clock.advance(1)
    assert await dispatcher.retry_due() == 1
    assert len(endpoint.on("/j")) == 2
    delivered = endpoint.on("/j")[-1]
    fields = delivered.json if scheme == "json" else delivered.form
    assert (fields["title"], fields["message"]) == ("T Hello", "Hello\n\nHi there")
    assert dispatcher.status.outbox_size == 0
    assert dispatcher.status.last_error is None

    # Retries and a re-announcement of the same message deliver nothing more.
    clock.advance(3600)
    assert await dispatcher.retry_due(everything=True) == 0
    await dispatcher.handle(poll)
    assert len(endpoint.on("/j")) == 2


async def test_backoff_doubles_while_the_target_keeps_failing(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, clock: Clock
) -> None:
    endpoint.fail("/j", times=3)
    dispatcher = make_dispatcher([notify_rule(endpoint.url("json", "/j"))])
    await dispatcher.handle(Poll((make_summary(),)))
    for wait in (30, 60):
        clock.advance(wait - 1)
        assert await dispatcher.retry_due() == 0
        clock.advance(1)
        assert await dispatcher.retry_due() == 0  # attempted, failed again
    clock.advance(119)
    assert await dispatcher.retry_due() == 0
    clock.advance(1)
    assert await dispatcher.retry_due() == 1
    assert len(endpoint.on("/j")) == 4


async def test_only_the_failed_service_is_retried(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, clock: Clock
) -> None:
    endpoint.fail("/form")
    dispatcher = make_dispatcher(
        [notify_rule(endpoint.url("json", "/json"), endpoint.url("form", "/form"))]
    )
    await dispatcher.handle(Poll((make_summary(),)))
    clock.advance(30)
    assert await dispatcher.retry_due() == 1
    assert len(endpoint.on("/json")) == 1
    assert len(endpoint.on("/form")) == 2


async def test_later_messages_for_a_failing_target_wait_behind_it(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, clock: Clock
) -> None:
    endpoint.fail("/j")
    dispatcher = make_dispatcher([notify_rule(endpoint.url("json", "/j"))])
    await dispatcher.handle(Poll((make_summary("u1"), make_summary("u2"), make_summary("u3"))))
    assert len(endpoint.on("/j")) == 1  # one failed attempt, not three
    assert dispatcher.status.outbox_size == 3
    clock.advance(30)
    assert await dispatcher.retry_due() == 3
    assert len(endpoint.on("/j")) == 4


async def test_a_target_that_works_again_gets_its_backlog_at_once(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, clock: Clock
) -> None:
    endpoint.fail("/j")
    dispatcher = make_dispatcher([notify_rule(endpoint.url("json", "/j"))])
    await dispatcher.start()
    await dispatcher.handle(Poll((make_summary("u1"),)))
    assert dispatcher.status.outbox_size == 1
    await dispatcher.handle(Poll((make_summary("u2"),)))  # the target works again
    await let_time_pass(clock)  # no time passes: the loop sends the backlog now, not in 30 s
    assert len(endpoint.on("/j")) == 3
    assert dispatcher.status.outbox_size == 0


async def test_entries_of_a_failing_target_back_off_together(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, clock: Clock
) -> None:
    endpoint.fail("/j", times=2)
    dispatcher = make_dispatcher([notify_rule(endpoint.url("json", "/j"))])
    await dispatcher.handle(Poll((make_summary("u1"), make_summary("u2"), make_summary("u3"))))
    clock.advance(30)
    assert await dispatcher.retry_due() == 0
    assert len(endpoint.on("/j")) == 2  # one attempt per round, not one per message
    clock.advance(59)
    assert await dispatcher.retry_due() == 0
    assert len(endpoint.on("/j")) == 2
    clock.advance(1)
    assert await dispatcher.retry_due() == 3
    assert len(endpoint.on("/j")) == 5
    assert dispatcher.status.failed == 2


async def test_outbox_survives_a_restart(
    endpoint: HttpEndpoint,
    make_dispatcher: DispatcherFactory,
    clock: Clock,
    outbox_path: Path,
) -> None:
    endpoint.fail("/j")
    rules = [notify_rule(endpoint.url("json", "/j"), title="T {{ subject }}")]
    first = make_dispatcher(rules)
    await first.start()
    await first.handle(Poll((make_summary(subject="kept"),)))
    await first.stop()
    assert len(json.loads(outbox_path.read_text())["entries"]) == 1

    second = make_dispatcher(rules)
    await second.start()
    assert second.status.outbox_size == 1
    clock.advance(30)
    assert await second.retry_due() == 1
    delivered = endpoint.on("/j")[-1]
    assert delivered.json["title"] == "T kept"
    clock.advance(3600)
    await second.handle(Poll((make_summary(subject="kept"),)))  # announced again after restart
    assert len(endpoint.on("/j")) == 2


async def test_a_delivered_message_is_not_delivered_again_after_a_restart(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, clock: Clock
) -> None:
    rules = [notify_rule(endpoint.url("json", "/j"), endpoint.url("form", "/f"))]
    first = make_dispatcher(rules)
    await first.start()
    await first.handle(Poll((make_summary("u1"),)))
    await first.stop()
    assert (len(endpoint.on("/j")), len(endpoint.on("/f"))) == (1, 1)

    clock.advance(7 * 24 * 3600)
    second = make_dispatcher(rules)
    await second.start()
    # Announced again (the mailbox's state was lost, say), next to a new message.
    await second.handle(Poll((make_summary("u1"), make_summary("u2"))))
    assert [r.json["message"] for r in endpoint.on("/j")] == ["Hello\n\nHi there"] * 2
    assert (len(endpoint.on("/j")), len(endpoint.on("/f"))) == (2, 2)
    assert second.status.delivered == 2


async def test_the_retry_loop_keeps_its_own_schedule_without_new_mail(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, clock: Clock
) -> None:
    endpoint.fail("/j", times=7)
    dispatcher = make_dispatcher(
        [notify_rule(endpoint.url("json", "/j"))], call_later=clock.call_later
    )
    await dispatcher.start()
    await dispatcher.handle(Poll((make_summary(),)))
    assert len(endpoint.on("/j")) == 1
    await eventually(lambda: clock.wake_ups == [30])  # the loop sleeps until the first retry

    # From here on only the clock moves: no new mail, no manual retry.
    for attempts, delay in enumerate([30, 60, 120, 240, 480, 900, 900], start=1):
        await let_time_pass(clock, delay - 1)
        assert len(endpoint.on("/j")) == attempts, f"retry {attempts} came before {delay} s"
        await let_time_pass(clock, 1)
        assert len(endpoint.on("/j")) == attempts + 1, f"retry {attempts} not after {delay} s"
    status = dispatcher.status
    assert (status.delivered, status.failed, status.outbox_size) == (1, 7, 0)

    await let_time_pass(clock, 3 * 3600)
    assert len(endpoint.on("/j")) == 8


async def test_a_failing_template_falls_back_to_the_default(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    dispatcher = make_dispatcher(
        [notify_rule(endpoint.url("json", "/j"), title="{{ 100 // size }} bytes")]
    )
    await dispatcher.handle(Poll((make_summary(size=0),)))
    (request,) = endpoint.on("/j")
    assert request.json["title"] == "New mail from Alice Example"
    assert "title template failed" in caplog.text


async def test_config_file_services_selected_by_tag(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, tmp_path: Path
) -> None:
    config = tmp_path / "apprise.yml"
    config.write_text(
        "version: 1\nurls:\n"
        f"  - {endpoint.url('json', '/parcels')}:\n      - tag: parcels\n"
        f"  - {endpoint.url('json', '/bank')}:\n      - tag: bank\n"
    )
    dispatcher = make_dispatcher(
        [{"name": "p", "actions": [{"notify": {"config": str(config), "tags": ["parcels"]}}]}]
    )
    await dispatcher.handle(Poll((make_summary(),)))
    assert len(endpoint.on("/parcels")) == 1
    assert endpoint.on("/bank") == []


async def test_unreadable_config_waits_in_the_outbox_until_it_appears(
    endpoint: HttpEndpoint,
    make_dispatcher: DispatcherFactory,
    clock: Clock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = tmp_path / "later.txt"
    dispatcher = make_dispatcher(
        [{"name": "p", "actions": [{"notify": {"config": str(config), "title": "hi"}}]}]
    )
    await dispatcher.start()
    await dispatcher.handle(Poll((make_summary(),)))
    assert dispatcher.status.outbox_size == 1
    assert "cannot be read" in (dispatcher.status.last_error or "")
    assert "cannot be read" in caplog.text

    config.write_text(f"{endpoint.url('json', '/a')}\n{endpoint.url('form', '/b')}\n")
    clock.advance(30)
    assert await dispatcher.retry_due() == 2
    assert [r.json["title"] for r in endpoint.on("/a")] == ["hi"]
    assert [r.form["title"] for r in endpoint.on("/b")] == ["hi"]
    assert dispatcher.status.outbox_size == 0


async def test_urls_are_notified_while_the_config_file_is_still_missing(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, clock: Clock, tmp_path: Path
) -> None:
    config = tmp_path / "later.txt"
    dispatcher = make_dispatcher(
        [notify_rule(endpoint.url("json", "/url"), config=str(config), title="hi")]
    )
    await dispatcher.start()
    await dispatcher.handle(Poll((make_summary(),)))
    assert len(endpoint.on("/url")) == 1
    assert dispatcher.status.outbox_size == 1  # waiting for the services of the file

    clock.advance(30)
    assert await dispatcher.retry_due() == 0  # still missing: keeps waiting
    assert dispatcher.status.outbox_size == 1
    config.write_text(f"{endpoint.url('json', '/file')}\n")
    clock.advance(60)
    assert await dispatcher.retry_due() == 1
    assert [r.json["title"] for r in endpoint.on("/file")] == ["hi"]
    assert len(endpoint.on("/url")) == 1
    assert dispatcher.status.outbox_size == 0


async def test_attachments_of_the_whole_message(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory
) -> None:
    dispatcher = make_dispatcher(
        [notify_rule(endpoint.url("json", "/j"), attach=True, attach_max_bytes=2000, name="files")]
    )
    summary = make_summary()
    assert dispatcher.wants_full(summary)
    message = EmailMessage()
    message["Subject"] = "Hello"
    message.set_content("see attached")
    message.add_attachment(b"%PDF small", maintype="application", subtype="pdf", filename="a.pdf")
    message.add_attachment(b"x" * 5000, maintype="application", subtype="zip", filename="big.zip")
    message.add_attachment(b"hello", maintype="text", subtype="plain", filename="../../etc/passwd")
    raw = RetrievedMessage(data=bytes(message), truncated=False)
    await dispatcher.handle(Poll((summary,), {summary.uid: raw}))
    (request,) = endpoint.on("/j")
    files = {
        item["filename"]: base64.b64decode(item["base64"]) for item in request.json["attachments"]
    }
    assert files == {"a.pdf": b"%PDF small", "_.._etc_passwd": b"hello"}


async def test_apprise_and_attachment_parsing_never_run_on_the_event_loop(
    endpoint: HttpEndpoint,
    make_dispatcher: DispatcherFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import apprise  # noqa: PLC0415

    calls: list[tuple[str, int]] = []

    def spy[**P, T](name: str, func: Callable[P, T]) -> Callable[P, T]:
        def recorded(*args: P.args, **kwargs: P.kwargs) -> T:
            calls.append((name, threading.get_ident()))
            return func(*args, **kwargs)

        return recorded

    monkeypatch.setattr(
        apprise.Apprise, "instantiate", staticmethod(spy("load", apprise.Apprise.instantiate))
    )
    monkeypatch.setattr(apprise.Apprise, "notify", spy("notify", apprise.Apprise.notify))
    monkeypatch.setattr(apprise.AppriseConfig, "add", spy("config", apprise.AppriseConfig.add))
    monkeypatch.setattr(
        "pop3_mail.dispatch.new_mail.extract_attachments",
        spy("attachments", extract_attachments),
    )
    config = tmp_path / "apprise.txt"
    config.write_text(endpoint.url("form", "/file") + "\n")
    dispatcher = make_dispatcher(
        [notify_rule(endpoint.url("json", "/url"), config=str(config), attach=True)]
    )
    await dispatcher.start()
    summary = make_summary()
    raw = RetrievedMessage(data=b"Subject: x\r\n\r\nbody\r\n", truncated=False)
    await dispatcher.handle(Poll((summary,), {summary.uid: raw}))

    assert (len(endpoint.on("/url")), len(endpoint.on("/file"))) == (1, 1)
    assert {name for name, _thread in calls} == {"load", "config", "notify", "attachments"}
    event_loop_thread = threading.get_ident()
    assert [name for name, thread in calls if thread == event_loop_thread] == []


async def test_without_attach_no_whole_message_is_wanted(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory
) -> None:
    dispatcher = make_dispatcher(
        [
            {"name": "stopper", "match": {"subject": "stop"}, "stop": True},
            {
                "name": "no files",
                "match": {"subject": "plain"},
                "actions": [
                    {"notify": {"urls": [endpoint.url("json", "/j")]}},
                    {"mqtt": None},
                    {"mark_read": True},
                    {"delete_from_server": True},
                ],
                "stop": True,
            },
            notify_rule(endpoint.url("json", "/j"), attach=True),
        ]
    )
    assert dispatcher.wants_full(make_summary(subject="go"))
    assert not dispatcher.wants_full(make_summary(subject="stop here"))
    assert not dispatcher.wants_full(make_summary(subject="plain text"))


async def test_rules_in_order_with_stop_and_mark_read(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, mailbox: RecordingMailbox
) -> None:
    dispatcher = make_dispatcher(
        [
            {
                "name": "bank",
                "match": {"from": "bank"},
                "actions": [
                    {"notify": {"urls": [endpoint.url("json", "/bank")]}},
                    {"mark_read": True},
                ],
                "stop": True,
            },
            {"name": "spam", "match": {"subject": "regex:^\\[spam\\]"}, "stop": True},
            notify_rule(endpoint.url("json", "/all"), name="everything else"),
        ]
    )
    await dispatcher.handle(
        Poll(
            (
                make_summary("1", from_address="alerts@bank.example"),
                make_summary("2", subject="[SPAM] win"),
                make_summary("3", subject="hello"),
            )
        )
    )
    assert len(endpoint.on("/bank")) == 1
    assert [r.json["title"] for r in endpoint.on("/all")] == ["New mail from Alice Example"]
    assert mailbox.acknowledged == ["1"]


async def test_invalid_url_is_reported_by_scheme_only_and_the_rest_still_works(
    endpoint: HttpEndpoint,
    make_dispatcher: DispatcherFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = make_dispatcher(
        [notify_rule("nosuchservice://user:" + SECRET + "@host", endpoint.url("json", "/ok"))]
    )
    await dispatcher.start()
    await dispatcher.handle(Poll((make_summary(),)))
    assert len(endpoint.on("/ok")) == 1
    assert "URL #1 (nosuchservice://…) is not a valid apprise URL" in caplog.text
    assert SECRET not in caplog.text


async def test_invalid_urls_helper() -> None:
    urls = ["json://127.0.0.1/x", "bogus://y", "ntfys://ntfy.sh/topic"]
    assert await asyncio.to_thread(invalid_urls, urls) == [1]


async def test_outbox_is_bounded(
    endpoint: HttpEndpoint, make_dispatcher: DispatcherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint.fail("/j", times=10)
    dispatcher = make_dispatcher([notify_rule(endpoint.url("json", "/j"))], max_outbox=2)
    await dispatcher.handle(Poll(tuple(make_summary(f"u{n}") for n in range(3))))
    assert dispatcher.status.outbox_size == 2
    assert dispatcher.status.dropped == 1
    assert "outbox full" in caplog.text


async def test_attachments_refused_by_the_memory_cap_are_not_reported_lost_in_a_restart(
    endpoint: HttpEndpoint,
    make_dispatcher: DispatcherFactory,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "pop3_mail.dispatch.dispatcher.HeldAttachments",
        functools.partial(HeldAttachments, max_bytes=100),
    )
    endpoint.fail("/j", times=1)
    dispatcher = make_dispatcher([notify_rule(endpoint.url("json", "/j"), attach=True)])
    summary = make_summary()
    message = EmailMessage()
    message["Subject"] = "Hello"
    message.set_content("see attached")
    message.add_attachment(b"x" * 5000, maintype="application", subtype="zip", filename="a.zip")
    raw = RetrievedMessage(data=bytes(message), truncated=False)
    await dispatcher.handle(Poll((summary,), {summary.uid: raw}))
    assert "the retry will go without them" in caplog.text

    clock.advance(30)
    assert await dispatcher.retry_due() == 1
    (_, retried) = endpoint.on("/j")
    assert not retried.json["attachments"]
    assert "lost in a restart" not in caplog.text


async def test_a_placeholder_expanding_into_a_full_outbox_lets_go_of_what_it_pushes_out(
    endpoint: HttpEndpoint,
    make_dispatcher: DispatcherFactory,
    mailbox: RecordingMailbox,
    clock: Clock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The oldest delivery dropped for room is logged, and its message stays on the server."""
    config = tmp_path / "later.txt"
    rules = [
        {"name": "keep", "actions": [{"notify": {"urls": [endpoint.url("json", "/x")]}}]},
        {
            "name": "file",
            "actions": [{"notify": {"config": str(config)}}, {"delete_from_server": True}],
        },
    ]
    endpoint.fail("/x", times=10)
    dispatcher = make_dispatcher(rules, max_outbox=3)
    await dispatcher.start()
    first, second = make_summary("u1"), make_summary("u2")
    await dispatcher.handle(Poll((first,)))  # /x fails; the file's services wait: 2 entries
    await dispatcher.handle(Poll((second,)))  # and again: 4 would not fit, u1's /x is dropped
    caplog.clear()

    # The file appears with two failing services: u1's placeholder becomes two entries.
    config.write_text(f"{endpoint.url('json', '/f1')}\n{endpoint.url('json', '/f2')}\n")
    endpoint.fail("/f1", times=10)
    endpoint.fail("/f2", times=10)
    clock.advance(30)
    await dispatcher.retry_due()
    assert dispatcher.status.outbox_size == 3
    assert "outbox full" in caplog.text
    assert "is kept on the server" in caplog.text
    assert mailbox.deletions == []
