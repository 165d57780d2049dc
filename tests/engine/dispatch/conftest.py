"""Fixtures of the dispatch tests: a local HTTP endpoint for apprise, dispatchers that stop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from pop3_mail.dispatch.dispatcher import Dispatcher
from pop3_mail.dispatch.rules import parse_rules
from pop3_mail.mailbox import Mailbox
from pop3_mail.state_store import JsonFileStore
from tests.engine.pop3.helpers import dovecot_settings
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.http import serve_on_loopback

from .helpers import Clock, HttpEndpoint, RecordingMailbox

DispatcherFactory = Callable[..., Dispatcher]


@pytest.fixture
async def endpoint() -> AsyncIterator[HttpEndpoint]:
    """An aiohttp server on 127.0.0.1 that records what apprise sends."""
    server = HttpEndpoint()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    async with serve_on_loopback(app) as port:
        server.port = port
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mailbox() -> RecordingMailbox:
    return RecordingMailbox()


@pytest.fixture
def pop3_mailbox(dovecot: DovecotServer, mail_user: MailUser, tmp_path: Path) -> Mailbox:
    """A real mailbox on ``mail_user``'s Dovecot account, its state in ``tmp_path``."""
    return Mailbox(dovecot_settings(dovecot, mail_user), JsonFileStore(tmp_path / "state.json"))


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.json"


@pytest.fixture
async def make_dispatcher(
    clock: Clock, mailbox: RecordingMailbox, outbox_path: Path
) -> AsyncIterator[DispatcherFactory]:
    """Build dispatchers from rule dicts; every one is stopped after the test.

    Their retry loops run on ``clock``: only :func:`helpers.let_time_pass` sets them off.
    """
    made: list[Dispatcher] = []

    def make(rules: list[dict[str, Any]], **options: Any) -> Dispatcher:
        settings: dict[str, Any] = {
            "account": "home",
            "rules": parse_rules(rules),
            "mailbox": mailbox,
            "outbox_store": JsonFileStore(outbox_path),
            "publisher": None,
            "clock": clock,
            "call_later": clock.call_later,
        }
        settings.update(options)
        dispatcher = Dispatcher(**settings)
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        await dispatcher.stop()
