"""Polling one mailbox: schedule, back-off, error mapping and announcing new mail."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, NoReturn

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, CoreState, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from pop3_mail.backoff import poll_delay, poll_interval
from pop3_mail.dispatch.dispatcher import Dispatcher
from pop3_mail.errors import Failure, Pop3Error, classify
from pop3_mail.mail.model import MailSummary
from pop3_mail.mailbox import Announcement, Mailbox, PollResult

from . import issues
from .const import (
    BUSY_TOLERANCE,
    DOMAIN,
    EVENT_DATA_BUDGET,
    EVENT_RECEIVED,
    LOGGER,
)
from .login import error_key
from .mail_data import event_data
from .options import poll_options, scan_interval

type Pop3MailConfigEntry = ConfigEntry[Pop3MailCoordinator]
type MailListener = Callable[[MailSummary], None]


def now_timestamp() -> float:
    """Home Assistant's clock, for the engine too: one notion of time (and one to fake in tests)."""
    return dt_util.utcnow().timestamp()


class Pop3MailCoordinator(DataUpdateCoordinator[PollResult]):
    """Polls one mailbox through the engine and tells entities, the bus and the dispatcher."""

    config_entry: Pop3MailConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: Pop3MailConfigEntry,
        mailbox: Mailbox,
        dispatcher: Dispatcher,
        *,
        scan_interval: int,
    ) -> None:
        """Poll ``mailbox`` every ``scan_interval`` seconds (or the server's LOGIN-DELAY).

        ``dispatcher`` runs the entry's rules; it gets new mail before events fire.
        """
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=timedelta(seconds=scan_interval),
        )
        self.mailbox = mailbox
        self.configured_interval = scan_interval
        self.interval = scan_interval
        """Seconds between polls while all is well: the configured value or LOGIN-DELAY."""
        self.dispatcher = dispatcher
        self.poll_error: Pop3Error | None = None
        """Why the last poll failed, ``None`` after a good one."""
        self._failures = 0
        self._clamp_logged = False
        self._last_attempt: float | None = None
        self._mail_listeners: list[MailListener] = []
        self._waiting_for_start = False

    # Polling

    async def _async_update_data(self) -> PollResult:
        self._last_attempt = now_timestamp()
        try:
            result = await self.mailbox.poll(
                on_new=self._announce, wants_full=self.dispatcher.wants_full
            )
        except Pop3Error as err:
            failure = classify(err)
            if failure is Failure.AUTH:
                self.poll_error = err
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN,
                    translation_key="auth_failed",
                    translation_placeholders={"error": str(err)},
                ) from err
            if failure.transient:
                return self._busy(err)
            self._failed(err)
        self._succeeded()
        return result

    def _busy(self, err: Pop3Error) -> PollResult:
        """The server asked us to come back later, or was too slow: keep the values a while.

        Neither says anything about the mailbox's content, and both usually pass by the next
        try; a server that refuses connections outright is ``_failed`` at once.
        """
        self.poll_error = err
        self._retry_in(self._retry_delay(err))
        if self.data is not None and self._failures <= BUSY_TOLERANCE:
            LOGGER.debug("%s: server busy (%s), retrying later", self.name, err)
            return self.data
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="poll_failed",
            translation_placeholders={"error": str(err)},
        ) from err

    def _failed(self, err: Pop3Error) -> NoReturn:
        """The server is unreachable or refuses: raise the right issue, back off, go unavailable."""
        self.poll_error = err
        failure = classify(err)
        if failure is Failure.REFUSED:
            self._raise_issue(issues.POP_DISABLED, err)
        elif failure is Failure.TLS and getattr(err, "certificate_error", False):
            self._raise_issue(issues.CERTIFICATE, err)
        self._retry_in(self._retry_delay(err))
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="poll_failed",
            translation_placeholders={"error": str(err)},
        ) from err

    def _succeeded(self) -> None:
        self.poll_error = None
        self._failures = 0
        issues.async_clear_issues(self.hass, self.config_entry.entry_id)
        self._apply_login_delay()
        if not self._waiting_for_start:
            self.update_interval = timedelta(seconds=self.interval)

    def _retry_delay(self, err: Pop3Error) -> float:
        """The engine's back-off after one more failure in a row (server hints honoured)."""
        self._failures += 1
        return poll_delay(self.interval, self._failures, err)

    def _retry_in(self, seconds: float) -> None:
        # The base class schedules the next refresh with this interval after the update.
        self.update_interval = timedelta(seconds=seconds)

    def _apply_login_delay(self) -> None:
        """Never poll faster than the server allows (its CAPA ``LOGIN-DELAY``)."""
        login_delay = self.mailbox.login_delay or 0
        self.interval = int(poll_interval(self.configured_interval, login_delay))
        if self.interval > self.configured_interval and not self._clamp_logged:
            self._clamp_logged = True
            LOGGER.warning(
                "%s: the server allows one login every %d s; checking every %d s instead of "
                "the configured %d s",
                self.name,
                login_delay,
                self.interval,
                self.configured_interval,
            )

    @callback
    def async_apply_options(self, options: Mapping[str, Any]) -> None:
        """New polling options, used from the next check on (the entities stay as they are)."""
        self.mailbox.options = poll_options(options)
        configured = scan_interval(options)
        if configured == self.configured_interval:
            return
        self.configured_interval = configured
        self._clamp_logged = False
        self._apply_login_delay()
        if self.poll_error is None and not self._waiting_for_start:
            self.update_interval = timedelta(seconds=self.interval)
            self._schedule_refresh()

    def login_wait(self) -> float:
        """Seconds until the server's LOGIN-DELAY allows the next session (0 when it does)."""
        login_delay = self.mailbox.login_delay
        if not login_delay or self._last_attempt is None:
            return 0.0
        return max(self._last_attempt + login_delay - now_timestamp(), 0.0)

    # Announcing new mail

    async def _announce(self, result: PollResult) -> Announcement:
        """Hand new mail to the dispatcher, then fire one event per message (oldest first).

        Automations attach their triggers only when Home Assistant has started, so an event
        fired during start-up would reach nobody: until then the mail is left unannounced, and
        the first poll after start-up announces it.
        """
        if self.hass.state is not CoreState.running:
            self._announce_after_start()
            return Announcement.DEFERRED
        await self.dispatcher.handle(result)
        for summary in result.new_messages:
            self.hass.bus.async_fire(
                EVENT_RECEIVED,
                event_data(
                    summary,
                    entry_id=self.config_entry.entry_id,
                    account=result.account_key,
                    budget=EVENT_DATA_BUDGET,
                ),
            )
            for listener in list(self._mail_listeners):
                listener(summary)
        if result.remaining_new:
            LOGGER.info(
                "%s: %d more new messages are announced by the next checks",
                self.name,
                result.remaining_new,
            )
        return Announcement.DONE

    def _announce_after_start(self) -> None:
        """Poll again as soon as Home Assistant runs (and the server's LOGIN-DELAY allows)."""
        if self._waiting_for_start:
            return
        self._waiting_for_start = True

        @callback
        def _started(_hass: HomeAssistant) -> None:
            self._waiting_for_start = False
            # A zero interval would mean "never" to the base class: at least one second.
            self.update_interval = timedelta(seconds=math.ceil(self.login_wait()) + 1)
            self._schedule_refresh()

        self.config_entry.async_on_unload(async_at_started(self.hass, _started))

    @callback
    def async_add_mail_listener(self, listener: MailListener) -> CALLBACK_TYPE:
        """Call ``listener`` for every announced message; returns the unsubscribe callback."""
        self._mail_listeners.append(listener)

        @callback
        def _remove() -> None:
            self._mail_listeners.remove(listener)

        return _remove

    # Actions

    async def async_check_now(self) -> PollResult:
        """Poll now; translated errors when the server cannot be checked."""
        if wait := self.login_wait():
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="too_soon",
                translation_placeholders={"seconds": str(math.ceil(wait))},
            )
        await self.async_refresh()
        if (err := self.poll_error) is not None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=error_key(err),
                translation_placeholders={"error": str(err)},
            )
        return self.data

    async def async_mark_read(self, uid: str | None = None) -> int:
        """Acknowledge one message or all; returns the unread count."""
        try:
            unread = await self.mailbox.acknowledge(uid)
        except KeyError:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_uid",
                translation_placeholders={"uid": str(uid)},
            ) from None
        self.async_set_unread(unread)
        return unread

    @callback
    def async_set_unread(self, unread: int) -> None:
        """Show a new unread count without polling (no rescheduling of the next poll)."""
        if self.data is not None and self.data.unread != unread:
            self.data = replace(self.data, unread=unread)
            self.async_update_listeners()

    def _raise_issue(self, kind: str, err: Pop3Error) -> None:
        issues.async_raise_issue(
            self.hass,
            kind,
            entry_id=self.config_entry.entry_id,
            account=self.config_entry.title,
            error=str(err),
        )
