"""TLS client contexts: verifying by default, built off the event loop and reused."""

from __future__ import annotations

import asyncio
import ssl
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError
from ..settings import Security, ServerSettings


def build_ssl_context(*, verify: bool, cafile: str | None) -> ssl.SSLContext:
    """A client context (TLS 1.2+). Blocking: it reads CA files.

    ``verify`` checks the chain and the host name, against ``cafile`` alone when given, else
    against the system's CAs. ``verify=False`` accepts any certificate (explicit opt-out).
    """
    if verify:
        try:
            context = ssl.create_default_context(cafile=cafile)
        except (OSError, ssl.SSLError) as err:
            raise ConfigError(f"cannot load the CA file {cafile!r}: {err}") from None
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


_system_contexts: dict[bool, ssl.SSLContext] = {}


@lru_cache(maxsize=16)
def _cafile_context(cafile: str, cafile_mtime: int) -> ssl.SSLContext:
    # The modification time is part of the cache key only: a replaced CA file is read again.
    return build_ssl_context(verify=True, cafile=cafile)


def _context_with_cafile(cafile: str) -> ssl.SSLContext:
    try:
        mtime = Path(cafile).stat().st_mtime_ns
    except OSError as err:
        raise ConfigError(f"cannot read the CA file {cafile!r}: {err.strerror}") from None
    return _cafile_context(cafile, mtime)


async def get_ssl_context(settings: ServerSettings) -> ssl.SSLContext | None:
    """The context for ``settings`` (``None`` for plaintext); built in a worker thread, reused.

    A custom CA file is checked for changes (in the worker thread) on every call.
    """
    if settings.security is Security.PLAIN:
        return None
    if settings.cafile:
        return await asyncio.to_thread(_context_with_cafile, settings.cafile)
    verify = settings.verify_tls
    context = _system_contexts.get(verify)
    if context is None:
        context = await asyncio.to_thread(build_ssl_context, verify=verify, cafile=None)
        context = _system_contexts.setdefault(verify, context)
    return context
