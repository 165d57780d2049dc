"""One account's poll loop: wait (interval, jitter, LOGIN-DELAY, back-off), poll, report.

A check requested through the API wakes the loop early, but never earlier than the server's
LOGIN-DELAY allows, and never runs a second session while one is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pop3_mail.backoff import poll_interval
from pop3_mail.dispatch.dispatcher import Dispatcher
from pop3_mail.errors import LoginDelayError, Pop3MailError
from pop3_mail.mail.model import MailSummary
from pop3_mail.mailbox import Mailbox, PollResult
from pop3_mail.state_store import StateStoreError

from .config.loader import AccountConfig
from .schedule import first_delay, next_delay
from .servers import ServerRecheck
from .status import AccountStatus, Health, describe_error, health_of
from .web.app import CheckOutcome, CheckResult

_LOGGER = logging.getLogger(__name__)


class PollListener(Protocol):
    """Told about every poll outcome (the MQTT states implement it)."""

    def polled(
        self,
        account: str,
        *,
        unread: int,
        messages: int,
        latest: MailSummary | None,
        checked_at: datetime,
    ) -> None:
        """A successful poll."""

    def health(
        self, account: str, health: Health, error: str | None, since: datetime | None
    ) -> None:
        """A failed poll (or recovery)."""

    def interval(self, account: str, seconds: float) -> None:
        """The effective poll interval changed."""


class AccountWorker:
    """Polls one mailbox until stopped."""

    def __init__(
        self,
        account: AccountConfig,
        mailbox: Mailbox,
        dispatcher: Dispatcher,
        *,
        listener: PollListener | None = None,
        rng: random.Random | None = None,
        recheck: ServerRecheck | None = None,
    ) -> None:
        """Poll ``mailbox`` for ``account``; new mail goes to ``dispatcher``.

        ``recheck`` finds the server again after failed logins (accounts given by email).
        """
        self.account = account
        self.mailbox = mailbox
        self.dispatcher = dispatcher
        self.listener = listener
        self.recheck = recheck
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        settings = account.server
        self.status = AccountStatus(
            name=account.name,
            host=settings.host,
            port=settings.effective_port,
            scan_interval=account.scan_interval,
        )
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._failures = 0
        self._error_since: datetime | None = None
        self._last_started: float | None = None  # monotonic, of the last session

    @property
    def name(self) -> str:
        """The account name."""
        return self.account.name

    @property
    def poll_interval(self) -> float:
        """Seconds between polls (the configured interval, at least the LOGIN-DELAY)."""
        return poll_interval(self.account.scan_interval, self.mailbox.login_delay)

    def request_check(self) -> CheckOutcome:
        """Poll as soon as the server allows (called by ``POST /api/accounts/<name>/check``)."""
        self._wake.set()
        if self.status.polling:
            # The running session may have listed the maildrop before the new mail arrived.
            return CheckOutcome(CheckResult.QUEUED)
        wait = self._login_delay_wait()
        if wait > 0:
            return CheckOutcome(CheckResult.SCHEDULED, datetime.now(UTC) + timedelta(seconds=wait))
        return CheckOutcome(CheckResult.STARTED)

    def wake(self) -> None:
        """Poll now, whatever the back-off says (after a new sign-in), when the server allows."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the poll in progress (if any) and end :meth:`run`."""
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        """The poll loop; returns after :meth:`stop`."""
        delay = first_delay(self._rng)
        while not self._stop.is_set():
            await self._sleep(delay)
            if self._stop.is_set():
                break
            wait = self._login_delay_wait()
            if wait > 0:  # woken early by a check request: not before the server allows
                delay = wait
                continue
            delay = await self._poll_once()

    async def _sleep(self, delay: float) -> None:
        self.status.next_poll = datetime.now(UTC) + timedelta(seconds=delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)
        self._wake.clear()

    def _login_delay_wait(self) -> float:
        """Seconds until the server's LOGIN-DELAY allows the next session (0: now)."""
        delay = self.mailbox.login_delay
        last = self._last_started
        if not delay or last is None:
            return 0.0
        return max(0.0, last + delay - time.monotonic())

    async def _poll_once(self) -> float:
        """One poll; returns the delay until the next."""
        self.status.polling = True
        self._last_started = time.monotonic()
        self.status.next_poll = None
        error: BaseException | None = None
        try:
            result = await self.mailbox.poll(
                on_new=self.dispatcher.handle, wants_full=self.dispatcher.wants_full
            )
        except LoginDelayError as err:
            # Only raised locally, before connecting: try again when allowed.
            self.status.polling = False
            return max(err.retry_after or 1.0, 1.0)
        except (Pop3MailError, OSError) as err:
            error = err
            self._failed(err)
            await self._recheck_server(err)
        except Exception as err:  # a bug must not end the account's polling for good
            _LOGGER.exception("%s: the poll failed unexpectedly", self.name)
            error = err
            self._failed(err)
        else:
            self._succeeded(result)
        finally:
            self.status.polling = False
            self.status.polls += 1
            self.status.last_poll = datetime.now(UTC)
        interval = self.poll_interval
        if self.listener is not None:
            self.listener.interval(self.name, interval)
        return next_delay(interval, failures=self._failures, error=error, rng=self._rng)

    async def _recheck_server(self, error: BaseException) -> None:
        if self.recheck is None:
            return
        settings = await self.recheck.after_failure(error, self.mailbox.settings)
        if settings is not None:
            # The same maildrop behind a new name: its state (seen UIDs) stays valid.
            self.mailbox.settings = settings
            self.status.host, self.status.port = settings.host, settings.effective_port

    def _succeeded(self, result: PollResult) -> None:
        if self._failures:
            _LOGGER.info("%s: polling works again", self.name)
        self._failures = 0
        self._error_since = None
        status = self.status
        status.health = Health.OK
        status.last_error = None
        status.last_success = result.checked_at
        status.unread = result.unread
        status.messages = result.message_count
        status.remember(result.new_messages, result.latest)
        if result.new_messages:
            _LOGGER.info("%s: %d new message(s)", self.name, len(result.new_messages))
        if self.listener is not None:
            self.listener.polled(
                self.name,
                unread=result.unread,
                messages=result.message_count,
                latest=result.latest,
                checked_at=result.checked_at,
            )

    def _failed(self, error: BaseException) -> None:
        self._failures += 1
        health = health_of(error)
        message = describe_error(error)
        now = datetime.now(UTC)
        if self._error_since is None or self.status.last_error != message:
            log = _LOGGER.error if isinstance(error, StateStoreError) else _LOGGER.warning
            log("%s: poll failed: %s", self.name, message)
        else:
            _LOGGER.debug("%s: poll failed again: %s", self.name, message)
        self._error_since = self._error_since or now
        self.status.health = health
        self.status.last_error = message
        if self.listener is not None:
            self.listener.health(self.name, health, message, self._error_since)
