"""Servers of accounts given by ``email``: found, cached in the state directory, re-checked.

``run`` finds each such account's server before it starts polling: from the cache
(``<state_dir>/discovery.json``, owner-only, written atomically; no passwords in it), else by
discovery, whose answer is cached. After a failed login (authentication, connection, TLS,
timeout) the server is found again, at most once an hour; a different answer replaces the
settings for the next poll. ``validate`` reads the cache but writes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pop3_mail.discovery import Discovery, DiscoveryOptions, EmailAddress, FoundServer, discover
from pop3_mail.errors import ConfigError, Failure, classify
from pop3_mail.settings import ServerSettings
from pop3_mail.state_store import JsonFileStore, StateStoreError

from .config.loader import AccountConfig, DaemonConfig, duplicates

_LOGGER = logging.getLogger(__name__)

CACHE_FILE = "discovery.json"
RECHECK_INTERVAL = 3600.0
"""Seconds between two discoveries of one account after failed logins."""
RECHECK_AFTER = frozenset({Failure.AUTH, Failure.CONNECTION, Failure.TLS, Failure.TIMEOUT})
"""Failures a moved or changed server causes (not ``[SYS/PERM]``, not a busy server)."""
_VERSION = 1


class DiscoveryCache:
    """Found servers by address, in one JSON document."""

    def __init__(self, state_dir: Path) -> None:
        """The cache in ``state_dir``."""
        self.path = state_dir / CACHE_FILE
        self._store = JsonFileStore(self.path)

    async def get(self, address: EmailAddress) -> FoundServer | None:
        """The cached server of ``address`` (a damaged entry counts as none)."""
        entry = (await self._servers()).get(address.address)
        if not isinstance(entry, dict):
            return None
        try:
            return FoundServer.from_record(entry.get("server") or {})
        except ConfigError:
            return None

    async def put(self, address: EmailAddress, server: FoundServer) -> None:
        """Remember ``server`` for ``address``.

        Raises:
            StateStoreError: the file cannot be written.

        """
        servers = await self._servers()
        servers[address.address] = {
            "server": server.as_record(),
            "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        await self._store.save({"version": _VERSION, "servers": servers})

    async def _servers(self) -> dict[str, Any]:
        if not self.path.parent.exists():
            return {}
        document = await self._store.load() or {}
        servers = document.get("servers") if document.get("version") == _VERSION else None
        return dict(servers) if isinstance(servers, dict) else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    """How one account's server was settled, for ``validate`` and the log."""

    index: int
    account: AccountConfig
    found: FoundServer | None
    from_cache: bool = False
    discovery: Discovery | None = None
    problem: str | None = None


def settings_for(account: AccountConfig, found: FoundServer) -> ServerSettings:
    """The connection settings of ``account`` at ``found``.

    Raises:
        ConfigError: the account was not given by ``email``, or the settings cannot work.

    """
    if account.email is None or account.login is None:
        raise ConfigError(f"account {account.name} is not configured by email address")
    login = account.login
    return found.settings(
        account.email,
        password=login.password,
        username=login.username,
        cafile=login.cafile,
        auth_method=login.auth_method,
        connect_timeout=login.timeout,
        command_timeout=login.timeout,
        session_timeout=max(login.timeout * 10, 120.0),
    )


async def resolve_servers(
    config: DaemonConfig, *, cache: DiscoveryCache | None, write_cache: bool
) -> tuple[DaemonConfig, list[Resolution]]:
    """``config`` with every account's server found; what was done for each that needed it.

    Accounts whose server cannot be used carry a ``problem`` and keep ``settings=None``.
    """
    options = config.server_discovery.options
    pending = [
        (index, account)
        for index, account in enumerate(config.accounts)
        if account.settings is None
    ]
    resolutions = await asyncio.gather(
        *(_resolve(index, account, options, cache, write_cache) for index, account in pending)
    )
    accounts = list(config.accounts)
    for resolution in resolutions:
        if resolution.found is not None and resolution.problem is None:
            settings = settings_for(resolution.account, resolution.found)
            accounts[resolution.index] = replace(resolution.account, settings=settings)
    resolved = replace(config, accounts=tuple(accounts))
    return resolved, list(resolutions)


def problems(resolved: DaemonConfig, resolutions: Sequence[Resolution]) -> list[str]:
    """Every reason the resolved configuration cannot run, one ``path: problem`` line each."""
    found = [f"accounts[{r.index}]: {r.problem}" for r in resolutions if r.problem is not None]
    return found + duplicates(resolved.accounts)


async def _resolve(
    index: int,
    account: AccountConfig,
    options: DiscoveryOptions,
    cache: DiscoveryCache | None,
    write_cache: bool,
) -> Resolution:
    assert account.email is not None
    cached = await cache.get(account.email) if cache is not None else None
    if cached is not None:
        return Resolution(index=index, account=account, found=cached, from_cache=True)
    result = await discover(account.email, options)
    resolution = Resolution(
        index=index,
        account=account,
        found=result.server,
        discovery=result,
        problem=_problem(account, result),
    )
    if write_cache and cache is not None and result.server is not None:
        try:
            await cache.put(account.email, result.server)
        except StateStoreError as err:
            _LOGGER.warning("%s: cannot cache the found server: %s", account.name, err)
    return resolution


def _problem(account: AccountConfig, result: Discovery) -> str | None:
    address = account.email.address if account.email else "?"
    if result.server is not None:
        if result.server.oauth_only:
            name = result.server.provider_name or result.server.host
            return (
                f"{name} accepts only OAuth sign-in for {address}, which the daemon does "
                "not support"
            )
        return None
    if result.no_pop3 is not None:
        return f"{result.no_pop3.provider_name} offers no POP3 for {address}"
    if result.held_back:
        held = result.held_back[0]
        return (
            f"the server found for {address} ({held.host}) resolves to a private address: "
            "set host, or server_discovery.allow_private_servers: true"
        )
    return f"no POP3 server found for {address}: set host (and username)"


class ServerRecheck:
    """Finds an account's server again after failed logins, at most once per interval."""

    def __init__(
        self,
        account: AccountConfig,
        cache: DiscoveryCache,
        options: DiscoveryOptions,
        *,
        checked_now: bool,
        clock: Callable[[], float] = time.monotonic,
        interval: float = RECHECK_INTERVAL,
    ) -> None:
        """Re-check ``account``; ``checked_now``: its server was just discovered (not cached)."""
        self.account = account
        self._cache = cache
        self._options = options
        self._clock = clock
        self._interval = interval
        self._last: float | None = clock() if checked_now else None

    async def after_failure(
        self, error: BaseException, current: ServerSettings
    ) -> ServerSettings | None:
        """New settings when discovery now finds another server; else ``None``."""
        if classify(error) not in RECHECK_AFTER or self.account.email is None:
            return None
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return None
        self._last = now
        result = await discover(self.account.email, self._options)
        found = result.server
        if found is None or _problem(self.account, result) is not None:
            _LOGGER.info("%s: discovery finds no other server", self.account.name)
            return None
        try:
            await self._cache.put(self.account.email, found)
        except StateStoreError as err:
            _LOGGER.warning("%s: cannot cache the found server: %s", self.account.name, err)
        settings = settings_for(self.account, found)
        if (settings.host.lower(), settings.effective_port, settings.security) == (
            current.host.lower(),
            current.effective_port,
            current.security,
        ) and settings.username == current.username:
            return None
        _LOGGER.warning(
            "%s: discovery now finds %s:%d (was %s:%d); the next poll uses it",
            self.account.name,
            settings.host,
            settings.effective_port,
            current.host,
            current.effective_port,
        )
        return settings
