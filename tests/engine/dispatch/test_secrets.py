"""Secrets of apprise URLs never appear in logs (apprise's and urllib3's included), errors,
status or the outbox file."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from pop3_mail.dispatch import notify
from pop3_mail.dispatch.redaction import url_secrets
from tests.support.ports import free_port

from .conftest import DispatcherFactory
from .helpers import Clock, HttpEndpoint, Poll, make_summary

PASSWORD = "pa55-VERY-secret"
HEADER_TOKEN = "hdr-VERY-secret-token"
QUERY_TOKEN = "qry-VERY-secret-token"
SECRETS = (PASSWORD, HEADER_TOKEN, QUERY_TOKEN)


def assert_hidden(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def client_side_logs(caplog: pytest.LogCaptureFixture) -> str:
    """Everything logged, except the access log of the test's own HTTP endpoint."""
    return "\n".join(
        caplog.handler.format(record)
        for record in caplog.records
        if not record.name.startswith("aiohttp.")
    )


async def test_tokens_in_password_header_and_query_never_leak(
    endpoint: HttpEndpoint,
    make_dispatcher: DispatcherFactory,
    clock: Clock,
    outbox_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # apprise and urllib3 log request URLs and payloads
    endpoint.fail("/json", times=2)
    endpoint.fail("/form", times=2)
    urls = [
        endpoint.url("json", f"/json?+X-Token={HEADER_TOKEN}", f"admin:{PASSWORD}"),
        endpoint.url("form", f"/form?-token={QUERY_TOKEN}"),
    ]
    dispatcher = make_dispatcher([{"name": "push", "actions": [{"notify": {"urls": urls}}]}])
    await dispatcher.start()
    await dispatcher.handle(Poll((make_summary(),)))
    status_while_failing = json.dumps(dispatcher.status.as_dict())
    clock.advance(30)
    await dispatcher.retry_due()
    clock.advance(60)
    await dispatcher.retry_due()
    assert (dispatcher.status.delivered, dispatcher.status.failed) == (2, 4)
    await dispatcher.stop()

    # The secrets did their job: the endpoint got them.
    assert endpoint.on("/json")[-1].headers["X-Token"] == HEADER_TOKEN
    assert endpoint.on("/form")[-1].form["message"] == "Hello\n\nHi there"
    assert "admin:****@127.0.0.1" in caplog.text  # failures are reported, masked
    assert {"apprise", "urllib3.connectionpool"} <= {record.name for record in caplog.records}
    assert_hidden(client_side_logs(caplog))
    assert_hidden(status_while_failing)
    assert_hidden(outbox_path.read_text())
    assert_hidden(repr(dispatcher.status))
    assert_hidden(repr(dispatcher.rules))


async def test_token_in_a_dotless_host_is_hidden_in_library_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = "123456789:" + PASSWORD  # a Telegram bot token: tgram://<token>/<chat id>
    loaded = await asyncio.to_thread(notify.load_targets, [f"tgram://{token}/12345"], None, ())
    (target,) = loaded.targets
    assert PASSWORD not in target.label
    logging.getLogger("apprise").debug("Telegram POST URL: https://api.example/bot%s/send", token)
    logging.getLogger("urllib3.connectionpool").debug('"POST /bot%s/send HTTP/1.1" 200', token)
    assert "bot****/send" in caplog.text
    assert PASSWORD not in caplog.text


async def test_connection_errors_do_not_quote_the_token(
    make_dispatcher: DispatcherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    closed = f"form://127.0.0.1:{free_port()}/hook?-token={QUERY_TOKEN}"
    dispatcher = make_dispatcher([{"name": "push", "actions": [{"notify": {"urls": [closed]}}]}])
    await dispatcher.handle(Poll((make_summary(),)))
    assert dispatcher.status.failed == 1
    assert "Socket Exception" in caplog.text or "Connection" in caplog.text
    assert QUERY_TOKEN not in client_side_logs(caplog)
    assert QUERY_TOKEN not in (dispatcher.status.last_error or "")


async def test_apprise_failing_while_loading_is_a_problem_not_a_crash(
    make_dispatcher: DispatcherFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import apprise  # noqa: PLC0415

    def broken(url: str, *_args: Any, **_kwargs: Any) -> None:
        raise ValueError(f"cannot parse {url}")  # a plugin bug quoting the URL

    monkeypatch.setattr(apprise.Apprise, "instantiate", staticmethod(broken))
    url = f"json://admin:{PASSWORD}@127.0.0.1/x"
    dispatcher = make_dispatcher([{"name": "push", "actions": [{"notify": {"urls": [url]}}]}])
    await dispatcher.start()
    assert "URL #1 (json://…) is not a valid apprise URL (ValueError)" in caplog.text
    assert await asyncio.to_thread(notify.invalid_urls, [url]) == [0]
    assert PASSWORD not in caplog.text


async def test_an_exception_in_a_publisher_is_logged_without_its_text(
    make_dispatcher: DispatcherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    class LeakyPublisher:
        """Fault injection: a publisher bug whose message quotes a secret."""

        async def publish(self, topic: str, payload: str, *, qos: int, retain: bool) -> None:
            raise RuntimeError(f"broker password {PASSWORD} rejected")

    dispatcher = make_dispatcher(
        [{"name": "m", "actions": [{"mqtt": None}]}], publisher=LeakyPublisher()
    )
    await dispatcher.handle(Poll((make_summary(),)))
    assert dispatcher.status.outbox_size == 1
    assert "raised RuntimeError at test_secrets.py:" in caplog.text
    assert PASSWORD not in caplog.text
    assert PASSWORD not in (dispatcher.status.last_error or "")


@pytest.mark.parametrize(
    ("url", "privacy_url", "secrets"),
    [
        ("json://user:pw-123@host.example/p", None, {"pw-123"}),
        ("json://host.example/p?+Authorization=Bearer%20xyz", None, {"Bearer%20xyz"}),
        ("form://host.example/p?-token=abcdef&format=html", None, {"abcdef"}),
        ("tgram://123456789:AAbbCCdd/42", None, {"123456789:AAbbCCdd", "123456789", "AAbbCCdd"}),
        ("pover://USERKEY1234@APPTOKEN12", "pover://U...4@A...2/", {"USERKEY1234", "APPTOKEN12"}),
        ("ntfys://user:pw-123@ntfy.sh/topic", "ntfys://user:****@ntfy.sh/topic", {"pw-123"}),
        ("json://host.example/hook/abcdef", "json://host.example/hook/abcdef", set()),
    ],
)
def test_url_secrets(url: str, privacy_url: str | None, secrets: set[str]) -> None:
    found = url_secrets(url, privacy_url)
    assert secrets <= found
    assert not {"host.example", "ntfy.sh", "user", "hook", "topic", "format"} & found
