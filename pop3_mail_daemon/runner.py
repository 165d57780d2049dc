"""``pop3-mail run``: every account polled concurrently in one asyncio loop until a signal.

State directory layout (default ``./state`` next to the configuration, ``/data`` in the add-on)::

    mailboxes/<user@host:port>.json   what each mailbox has seen (Mailbox state)
    outbox/<account>.json             deliveries waiting for a retry (Dispatcher outbox)
    mqtt_published.json               retained topics published, to clear them later

Shutdown on SIGTERM/SIGINT, bounded so that the process ends within 10 s: the web server stops
taking requests, polls in progress get a few seconds to finish (their deliveries included) and
are then cancelled (the session is aborted with RSET/QUIT, nothing is committed), outboxes are
saved, pending retained states are flushed, and the MQTT client says ``offline``. A notification
still waiting for its service runs in a daemon thread (:mod:`.blocking`) and is abandoned; not
confirmed, it is sent again after the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from pop3_mail import __version__
from pop3_mail.dispatch.dispatcher import Dispatcher
from pop3_mail.dispatch.rules import Rule, parse_rule
from pop3_mail.mailbox import Mailbox
from pop3_mail.state_store import JsonFileStore, safe_file_name

from .blocking import run_in_daemon_thread
from .config.loader import PUBLISH_RULE_NAME, DaemonConfig, MqttConfig
from .log_masking import SecretMask, configure_logging, log_uncaught, mask_in_logs
from .mqtt.client import AsyncMqttClient
from .mqtt.registry import PublishedTopics
from .mqtt.states import MqttStates
from .mqtt.topics import availability_topic
from .oauth.accounts import OAuthAccounts
from .servers import DiscoveryCache, ServerRecheck, problems, resolve_servers
from .web.app import CheckOutcome, create_app, start_site
from .web.sign_in_routes import add_sign_in_routes
from .worker import AccountWorker

_LOGGER = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CONFIG = 2

POLL_GRACE = 4.0
"""Seconds polls in progress get to finish after a stop signal."""
FLUSH_TIMEOUT = 1.0
"""Seconds for retained states still waiting for the broker at shutdown."""


def run_daemon(config: DaemonConfig, *, verbose: bool = False) -> int:
    """Run until SIGTERM or SIGINT; returns the exit code."""
    configure_logging("debug" if verbose else config.log_level, config.secrets)
    log_uncaught()
    try:
        return asyncio.run(_serve(config))
    except KeyboardInterrupt:  # a signal before the handlers were installed
        return EXIT_OK


async def _serve(config: DaemonConfig) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _on_signal, stop, signum)
    try:
        found = await find_servers(config)
        if found is None:
            return EXIT_CONFIG
        config, rechecks = found
        return await Daemon(config, rechecks=rechecks).run(stop)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


async def find_servers(
    config: DaemonConfig,
) -> tuple[DaemonConfig, dict[str, ServerRecheck]] | None:
    """``config`` with the servers of accounts given by email found (``None``: unusable)."""
    cache = DiscoveryCache(config.state_dir)
    resolved, resolutions = await resolve_servers(config, cache=cache, write_cache=True)
    unusable = problems(resolved, resolutions)
    for problem in unusable:
        _LOGGER.error("%s", problem)
    if unusable:
        return None
    rechecks = {}
    for resolution in resolutions:
        found = resolution.found
        assert found is not None
        _LOGGER.info(
            "%s: using %s:%d, found by %s%s",
            resolution.account.name,
            found.host,
            found.port,
            found.source.value,
            " (cached)" if resolution.from_cache else "",
        )
        rechecks[resolution.account.name] = ServerRecheck(
            resolution.account,
            cache,
            config.server_discovery.options,
            checked_now=not resolution.from_cache,
        )
    return resolved, rechecks


def _on_signal(stop: asyncio.Event, signum: int) -> None:
    _LOGGER.info("Received %s: shutting down", signal.Signals(signum).name)
    stop.set()


def account_rules(config: DaemonConfig) -> tuple[Rule, ...]:
    """The configured rules, plus the built-in publication of every message when enabled.

    The built-in rule comes last, so a matching rule with ``stop: true`` suppresses it.
    """
    if config.mqtt is None or not config.mqtt.publish_messages:
        return config.rules
    return (*config.rules, parse_rule({"name": PUBLISH_RULE_NAME, "actions": [{"mqtt": {}}]}))


def mqtt_client(config: MqttConfig) -> AsyncMqttClient:
    """The broker connection, with the daemon's availability topic as last will."""
    return AsyncMqttClient(
        config.host,
        config.port,
        client_id=config.client_id,
        will_topic=availability_topic(config.base_topic),
        username=config.username,
        password=config.password,
        tls=config.tls,
        cafile=config.cafile,
        tls_insecure=not config.verify_ssl,
        keepalive=config.keepalive,
    )


class Daemon:
    """The running daemon; also what the web interface looks at (``web.DaemonView``)."""

    def __init__(
        self, config: DaemonConfig, *, rechecks: dict[str, ServerRecheck] | None = None
    ) -> None:
        """Set up (nothing connects before :meth:`run`).

        Every account needs its server by now (:func:`find_servers`); ``rechecks`` find it
        again for accounts given by email when logins fail.
        """
        self.config = config
        self.started_at = datetime.now(UTC)
        # Error texts of libraries may quote a secret (a notification URL's path, say).
        self._mask = SecretMask(config.secrets)
        state_dir = config.state_dir
        self.client = mqtt_client(config.mqtt) if config.mqtt else None
        self.states = (
            MqttStates(
                self.client,
                config.mqtt,
                config.accounts,
                PublishedTopics(JsonFileStore(state_dir / "mqtt_published.json")),
            )
            if self.client is not None and config.mqtt is not None
            else None
        )
        rules = account_rules(config)
        self.oauth = OAuthAccounts(
            config, reveal=self.reveal, signed_in=lambda name: self.workers[name].wake()
        )
        self.workers: dict[str, AccountWorker] = {}
        for account in config.accounts:
            mailbox = Mailbox(
                self.oauth.settings(account),
                JsonFileStore(state_dir / "mailboxes" / safe_file_name(account.server.account_key)),
                executor_runner=run_in_daemon_thread,
            )
            dispatcher = Dispatcher(
                account=account.name,
                rules=rules,
                mailbox=mailbox,
                outbox_store=JsonFileStore(state_dir / "outbox" / f"{account.name}.json"),
                publisher=self.client,
                executor_runner=run_in_daemon_thread,
                base_topic=config.mqtt.base_topic if config.mqtt else "pop3_mail",
            )
            self.workers[account.name] = AccountWorker(
                account,
                mailbox,
                dispatcher,
                listener=self.states,
                recheck=(rechecks or {}).get(account.name),
            )
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._web: web.AppRunner | None = None

    # -- web.DaemonView ----------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The JSON status document (no usernames; configured secrets masked)."""
        mqtt: dict[str, Any] | None = None
        if self.client is not None:
            mqtt = {
                "host": self.client.host,
                "port": self.client.port,
                "connected": self.client.connected,
                "last_error": self.client.last_error,
                "pending": self.states.pending if self.states else 0,
            }
        accounts = []
        for worker in self.workers.values():
            delivery = worker.dispatcher.status
            entry = worker.status.as_dict(outbox_size=delivery.outbox_size)
            entry["delivery"] = delivery.as_dict()
            oauth2 = worker.account.oauth2
            entry["oauth2"] = None if oauth2 is None else {"provider": oauth2.provider}
            accounts.append(entry)
        document = {
            "version": __version__,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "mqtt": mqtt,
            "accounts": accounts,
        }
        masked: dict[str, Any] = self._mask.mask_data(document)
        return masked

    def request_check(self, account: str) -> CheckOutcome:
        """Poll ``account`` now (``KeyError`` for an unknown name)."""
        return self.workers[account].request_check()

    def reveal(self, account: str, *secrets: str) -> None:
        """Secrets learnt while running (OAuth tokens): masked from now on, like configured ones."""
        self._mask.remember(account, *secrets)
        mask_in_logs(account, *secrets)

    @property
    def healthy(self) -> bool:
        """Every account's poll loop is alive."""
        return bool(self._tasks) and not any(task.done() for task in self._tasks.values())

    # -- lifecycle ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> int:
        """Start everything, wait for ``stop``, shut down; returns the exit code."""
        try:
            await asyncio.to_thread(_make_dirs, self.config.state_dir)
        except OSError as err:
            _LOGGER.error(  # noqa: TRY400 - one clear line; a traceback adds nothing
                "state_dir: cannot create %s: %s", self.config.state_dir, err.strerror or err
            )
            return EXIT_CONFIG
        if self.config.web.enabled and not await self._start_web():
            return EXIT_CONFIG
        try:
            if self.client is not None:
                await self.client.start()
            if self.states is not None:
                await self.states.start()
            for worker in self.workers.values():
                await worker.dispatcher.start()
            self._log_start()
            for name, worker in self.workers.items():
                self._tasks[name] = asyncio.create_task(worker.run(), name=f"pop3_mail {name}")
            await self._wait(stop)
        finally:
            await self._shutdown()
        return EXIT_OK

    async def _start_web(self) -> bool:
        web_config = self.config.web
        app = create_app(self, allowed_clients=web_config.allowed_clients)
        add_sign_in_routes(app, self.oauth)
        try:
            self._web = await start_site(app, web_config.host, web_config.port)
        except OSError as err:
            _LOGGER.error(  # noqa: TRY400 - one clear line; a traceback adds nothing
                "web: cannot listen on %s:%d: %s",
                web_config.host,
                web_config.port,
                err.strerror or err,
            )
            return False
        return True

    def _log_start(self) -> None:
        accounts = ", ".join(
            f"{w.name} ({w.status.host}:{w.status.port}, every {w.account.scan_interval} s)"
            for w in self.workers.values()
        )
        _LOGGER.info("POP3 Mail %s watching %s", __version__, accounts)
        if self.config.mqtt is not None:
            _LOGGER.info(
                "MQTT broker %s:%d, topics under %s/",
                self.config.mqtt.host,
                self.config.mqtt.port,
                self.config.mqtt.base_topic,
            )
        if self._web is not None:
            _LOGGER.info("Status page on http://%s:%d/", self.config.web.host, self.config.web.port)

    async def _wait(self, stop: asyncio.Event) -> None:
        """Until ``stop``; a poll loop that ends early is reported (and /healthz says 503)."""
        stopping = asyncio.create_task(stop.wait(), name="pop3_mail stop signal")
        names = {task: name for name, task in self._tasks.items()}
        watched = set(names)
        try:
            while not stop.is_set():
                await asyncio.wait([stopping, *watched], return_when=asyncio.FIRST_COMPLETED)
                for task in [task for task in watched if task.done()]:
                    watched.discard(task)
                    # Should never happen (the loop catches everything); keep serving the others.
                    reason = "cancelled" if task.cancelled() else repr(task.exception())
                    _LOGGER.error("The poll loop of %s ended: %s", names[task], reason)
        finally:
            stopping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stopping

    async def _shutdown(self) -> None:
        if self._web is not None:
            runner, self._web = self._web, None
            await runner.cleanup()
        for worker in self.workers.values():
            worker.stop()
        tasks = list(self._tasks.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=POLL_GRACE)
            for task in pending:
                _LOGGER.warning("%s: poll still running at shutdown; aborting it", task.get_name())
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for worker in self.workers.values():
            try:
                await worker.dispatcher.stop()
            except Exception as err:  # keep shutting down the others
                _LOGGER.error("%s: cannot save the outbox: %s", worker.name, err)  # noqa: TRY400
        if self.states is not None:
            await self.states.stop(FLUSH_TIMEOUT)
        if self.client is not None:
            await self.client.stop()
        await self.oauth.close()
        _LOGGER.info("Stopped")


def _make_dirs(state_dir: Path) -> None:
    for sub in ("mailboxes", "outbox"):
        (state_dir / sub).mkdir(parents=True, exist_ok=True)
