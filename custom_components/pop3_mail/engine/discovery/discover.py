"""Discovery from an email address: the one entry point, :func:`discover`.

Order, stopping at the first answer that works: the provider table (no network); then the
domain's autoconfig document, RFC 6186 SRV records and the MX's provider, looked up at once
but taken in that order; then guessed names confirmed by a verified TLS handshake. Every
network step has its own timeout and the whole discovery ends after ``options.timeout``
seconds with the best answer found by then. Network trouble never raises: it becomes a
warning in the result.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Coroutine, Sequence
from contextvars import ContextVar
from typing import Any

from ..pop3.tls import build_ssl_context
from ..settings import Security
from .address import EmailAddress, is_public_domain, parse_address
from .autoconfig import MAX_DOCUMENT, AutoconfigAnswer, autoconfig_urls, parse_autoconfig
from .fetch import FetchRefusedError, GuardedResolver, fetch_document, open_session
from .guess import guess_hosts, probe_guesses
from .model import (
    AuthKind,
    Confidence,
    Discovery,
    DiscoveryWarning,
    FoundServer,
    ProviderAdvice,
    Source,
    UsernameForm,
    WarningKind,
)
from .options import DiscoveryOptions
from .probe import confirm_pop3
from .provider_table import PROVIDERS
from .providers import Provider, ProviderTable
from .resolver import DnsError, DnsLookup, IpAddress
from .srv import srv_targets
from .targets import TargetPolicy
from .xmlsafe import UnsafeXmlError

_Step = Coroutine[Any, Any, FoundServer | None]

_step_warnings: ContextVar[list[DiscoveryWarning] | None] = ContextVar(
    "discovery_step_warnings", default=None
)
"""Where the warnings of the step running in this task go (``None``: straight to the run)."""


async def discover(
    address: str | EmailAddress,
    options: DiscoveryOptions | None = None,
    *,
    providers: ProviderTable = PROVIDERS,
) -> Discovery:
    """Find the POP3 server of ``address`` (see the module's description for the order).

    ``providers`` replaces the built-in table (tests).

    Raises:
        ConfigError: ``address`` is not an address discovery can work with, or
            ``options.cafile`` cannot be read.

    """
    email = address if isinstance(address, EmailAddress) else parse_address(address)
    options = options or DiscoveryOptions()
    started = time.monotonic()
    run = _Run(email, options, providers)
    deadline = asyncio.timeout(options.timeout)
    try:
        async with deadline:
            await run.execute()
    except TimeoutError:
        if not deadline.expired():
            raise
        run.warn(
            WarningKind.TIMEOUT,
            f"discovery stopped after {options.timeout:g} s; the ways not finished by then "
            "were not used",
        )
    return Discovery(
        address=email,
        server=run.server,
        no_pop3=run.no_pop3,
        held_back=tuple(run.held_back),
        warnings=tuple(run.warnings),
        elapsed=time.monotonic() - started,
    )


class _Run:
    """The state of one discovery: what was found, held back and warned about so far."""

    def __init__(
        self, address: EmailAddress, options: DiscoveryOptions, providers: ProviderTable
    ) -> None:
        self.address = address
        self.options = options
        self.providers = providers
        self.policy = TargetPolicy(
            restricted=is_public_domain(address.domain) and not options.allow_private_targets
        )
        self.server: FoundServer | None = None
        self.no_pop3: ProviderAdvice | None = None
        self.held_back: list[FoundServer] = []
        self.warnings: list[DiscoveryWarning] = []

    def warn(self, kind: WarningKind, message: str, host: str | None = None) -> None:
        warning = DiscoveryWarning(kind, message, host)
        sink = _step_warnings.get()
        target = self.warnings if sink is None else sink
        if warning not in target:
            target.append(warning)

    def _keep(self, warnings: Sequence[DiscoveryWarning]) -> None:
        for warning in warnings:
            if warning not in self.warnings:
                self.warnings.append(warning)

    async def execute(self) -> None:
        provider = self.providers.for_domain(self.address.domain)
        if provider is not None and provider.server is None:
            self.no_pop3 = provider.without_pop3()
            return
        if provider is not None and provider.checked:
            self.server = provider.found(Source.PROVIDER)
            return
        try:
            lookup = await DnsLookup.create(self.options.nameservers, self.options.dns_timeout)
        except DnsError as err:
            self.warn(WarningKind.DNS, str(err))
            return
        context = await self._context()
        resolver = GuardedResolver(lookup, self.policy)
        async with open_session(resolver, context) as session:
            steps: list[_Step] = []
            if provider is not None:
                steps.append(self._confirmed(provider, Source.PROVIDER, lookup, context))
            steps += [
                self._autoconfig(session, resolver, lookup),
                self._srv(lookup),
                self._mx(lookup, context),
            ]
            await self._first_answer(steps)
        if self.server is None and self.options.try_guesses:
            self.server = await self._guess(lookup, context)

    async def _context(self) -> ssl.SSLContext:
        if self.options.ssl_context is not None:
            return self.options.ssl_context
        # Reading the CA files blocks: off the event loop.
        return await asyncio.to_thread(build_ssl_context, verify=True, cafile=self.options.cafile)

    async def _first_answer(self, steps: Sequence[_Step]) -> None:
        """Run ``steps`` at once; take the first answer in their order.

        When the deadline cuts the wait, the best answer that is already in is taken.
        """
        # Each step's warnings are kept apart: those of steps after the one whose answer is
        # taken are noise ("srv.example.com does not resolve" when autoconfig answered).
        sinks: list[list[DiscoveryWarning]] = [[] for _ in steps]
        tasks = [
            asyncio.ensure_future(self._logged(step, sink))
            for step, sink in zip(steps, sinks, strict=True)
        ]
        chosen: int | None = None
        try:
            for index, task in enumerate(tasks):
                answer = await task
                if answer is not None:
                    self.server, chosen = answer, index
                    return
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.server is None:
                for index, task in enumerate(tasks):
                    finished = task.done() and not task.cancelled() and not task.exception()
                    if finished and task.result() is not None:
                        self.server, chosen = task.result(), index
                        break
            for sink in sinks[: None if chosen is None else chosen + 1]:
                self._keep(sink)

    @staticmethod
    async def _logged(step: _Step, sink: list[DiscoveryWarning]) -> FoundServer | None:
        _step_warnings.set(sink)  # this task's own context: other steps are not affected
        return await step

    async def _admitted(
        self, candidate: FoundServer, lookup: DnsLookup, *, missing_is_normal: bool = False
    ) -> list[IpAddress] | None:
        """The addresses of ``candidate``'s host, or ``None`` (with a warning) if unusable.

        A host of a public domain on a private address is held back for the user to confirm.
        ``missing_is_normal``: a name that does not exist is no news (most guesses).
        """
        host = candidate.host
        try:
            addresses = await lookup.addresses(host)
        except DnsError as err:
            self.warn(WarningKind.DNS, str(err), host)
            return None
        if not addresses:
            if missing_is_normal:
                return None
            self.warn(
                WarningKind.UNRESOLVED,
                f"{host} (found by {candidate.source.value}) does not resolve",
                host,
            )
            return None
        problem = self.policy.problem(host, addresses)
        if problem is not None:
            self.held_back.append(candidate)
            self.warn(
                WarningKind.PRIVATE_ADDRESS,
                f"{problem} (found by {candidate.source.value}); not used unless confirmed",
                host,
            )
            return None
        return addresses

    async def _confirmed(
        self, provider: Provider, source: Source, lookup: DnsLookup, context: ssl.SSLContext
    ) -> FoundServer | None:
        """An unchecked provider entry, once a verified handshake confirmed it."""
        found = provider.found(source, confirmed=True)
        addresses = await self._admitted(found, lookup)
        if addresses is None:
            return None
        result = await confirm_pop3(
            found.host,
            addresses,
            port=found.port,
            security=found.security,
            context=context,
            max_wait=self.options.probe_timeout,
        )
        if result.ok:
            return found
        self.warn(
            WarningKind.NOT_CONFIRMED,
            f"{provider.name}'s server {found.host}:{found.port} did not confirm "
            f"({result.reason}); other ways were tried",
            found.host,
        )
        return None

    async def _autoconfig(
        self, session: Any, resolver: GuardedResolver, lookup: DnsLookup
    ) -> FoundServer | None:
        urls = autoconfig_urls(self.address, self.options.https_port)
        answers = await asyncio.gather(*(self._fetch(session, url) for url in urls))
        for problem in resolver.refused:
            self.warn(WarningKind.PRIVATE_ADDRESS, f"{problem}; its autoconfig was not fetched")
        for answer in answers:
            if answer is None:
                continue
            if answer.server is None:
                if answer.plaintext_only:
                    self.warn(
                        WarningKind.PLAINTEXT_ONLY,
                        f"{self.address.domain} offers POP3 without TLS only; not used",
                    )
                continue
            if await self._admitted(answer.server, lookup) is not None:
                return answer.server
        return None

    async def _fetch(self, session: Any, url: str) -> AutoconfigAnswer | None:
        shown = url.partition("?")[0]
        try:
            data = await fetch_document(
                session,
                url,
                address=self.address,
                https_port=self.options.https_port,
                max_wait=self.options.http_timeout,
                max_bytes=MAX_DOCUMENT,
            )
        except FetchRefusedError as err:
            self.warn(WarningKind.AUTOCONFIG_REFUSED, str(err).replace(url, shown))
            return None
        if data is None:
            return None
        try:
            return parse_autoconfig(data, self.address)
        except UnsafeXmlError as err:
            self.warn(WarningKind.AUTOCONFIG_REFUSED, f"{shown}: refused: {err}")
            return None

    async def _srv(self, lookup: DnsLookup) -> FoundServer | None:
        targets, errors = await srv_targets(lookup, self.address.domain)
        for error in errors:
            self.warn(WarningKind.DNS, error)
        for target in targets:
            # Unsigned DNS: medium confidence; the name's certificate is checked at login.
            candidate = _answer(target.host, target.port, target.security, Source.SRV)
            if await self._admitted(candidate, lookup) is not None:
                return candidate
        return None

    async def _mx(self, lookup: DnsLookup, context: ssl.SSLContext) -> FoundServer | None:
        try:
            exchangers = await lookup.mx(self.address.domain)
        except DnsError as err:
            self.warn(WarningKind.DNS, str(err))
            return None
        provider = self.providers.for_mx(exchangers)
        if provider is None or provider.server is None:
            return None
        if not provider.checked:
            return await self._confirmed(provider, Source.MX, lookup, context)
        return provider.found(Source.MX)

    async def _guess(self, lookup: DnsLookup, context: ssl.SSLContext) -> FoundServer | None:
        hosts = guess_hosts(self.address.domain)
        resolved = await asyncio.gather(*(self._guess_addresses(host, lookup) for host in hosts))
        admitted = [(host, found) for host, found in zip(hosts, resolved, strict=True) if found]
        if not admitted:
            return None
        outcomes = await probe_guesses(
            admitted,
            context=context,
            max_wait=self.options.probe_timeout,
            pop3s_port=self.options.pop3s_port,
            pop3_port=self.options.pop3_port,
        )
        for outcome in outcomes:
            if outcome.result.ok:
                return _answer(
                    outcome.host, outcome.port, outcome.security, Source.GUESS, confirmed=True
                )
        for outcome in outcomes:
            if outcome.result.certificate_error:
                self.warn(
                    WarningKind.CERTIFICATE,
                    f"{outcome.result.reason}; the guess {outcome.host}:{outcome.port} was "
                    "not used",
                    outcome.host,
                )
        return None

    async def _guess_addresses(self, host: str, lookup: DnsLookup) -> list[IpAddress] | None:
        guess = _answer(host, self.options.pop3s_port, Security.SSL, Source.GUESS)
        return await self._admitted(guess, lookup, missing_is_normal=True)


def _answer(
    host: str, port: int, security: Security, source: Source, *, confirmed: bool = False
) -> FoundServer:
    """An answer that knows only the endpoint: the whole address, a password."""
    return FoundServer(
        host=host,
        port=port,
        security=security,
        username_form=UsernameForm.ADDRESS,
        auth=AuthKind.PASSWORD,
        source=source,
        confidence=Confidence.LOW if source is Source.GUESS else Confidence.MEDIUM,
        confirmed=confirmed,
    )
