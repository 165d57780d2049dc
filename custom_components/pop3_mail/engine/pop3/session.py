"""A whole POP3 session as a context manager: connect, log in, and always end safely."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..errors import Pop3TimeoutError
from ..settings import ServerSettings
from .client import Pop3Client
from .profile import ServerProfile


@asynccontextmanager
async def open_session(
    settings: ServerSettings,
    *,
    ssl_context: ssl.SSLContext | None = None,
    profile: ServerProfile | None = None,
    read_capabilities: bool = True,
) -> AsyncIterator[Pop3Client]:
    """Connect and log in; on normal exit ``QUIT`` (committing ``DELE`` marks).

    On an exception or cancellation the session is aborted instead: ``RSET`` then ``QUIT`` when
    the stream is in sync, else the connection is dropped; either way nothing is committed and
    the connection is closed. The whole session, the caller's work included, must finish within
    ``settings.session_timeout``.

    ``profile`` and ``read_capabilities`` save round trips (see ``Pop3Client``): the pre-login
    ``CAPA`` from an earlier session's :attr:`Pop3Client.profile`, the post-login one left to
    the caller's first batch. A session that changed nothing does not wait for ``QUIT``'s
    answer.

    Raises:
        ConfigError: the settings cannot work (plaintext without the insecure opt-in, a CA file
            that does not load).
        Pop3TimeoutError: a network wait, or the whole session, took too long.
        TlsError: the TLS handshake failed or the certificate did not verify.
        ConnectError: the server could not be reached or the connection was lost.
        AuthError: the server refused the credentials.
        TransientServerError: the server asked us to come back later (``[IN-USE]``,
            ``[LOGIN-DELAY]``, ``[SYS/TEMP]``).
        PermanentServerError: the server refuses until a human acts (``[SYS/PERM]``).
        ProtocolError: the server broke the protocol.

    """
    client = Pop3Client(settings, ssl_context=ssl_context, profile=profile)
    deadline = asyncio.timeout(settings.session_timeout)
    try:
        async with deadline:
            try:
                await client.connect()
                await client.login(read_capabilities=read_capabilities)
                yield client
            except BaseException:
                await client.abort()
                raise
            await client.quit(wait=False)
    except TimeoutError:
        if deadline.expired():
            raise Pop3TimeoutError(
                f"the POP3 session with {settings.host} took longer than "
                f"{settings.session_timeout:g} s"
            ) from None
        raise
    finally:
        await client.close()
