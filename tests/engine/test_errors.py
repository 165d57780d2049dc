"""The engine's errors: builtin bases for network failures, one classification for every host."""

from __future__ import annotations

import asyncio

import pytest

from pop3_mail.errors import (
    AuthError,
    CommandError,
    ConfigError,
    ConnectError,
    Failure,
    LoginDelayError,
    MailboxInUseError,
    PermanentServerError,
    Pop3Error,
    Pop3TimeoutError,
    ProtocolError,
    StateStoreError,
    TlsError,
    TokenRefusedError,
    TokenUnavailableError,
    TransientServerError,
    classify,
)

CASES: list[tuple[BaseException, Failure]] = [
    (AuthError("no"), Failure.AUTH),
    (TokenRefusedError("revoked", reason="invalid_grant"), Failure.AUTH),
    (TokenUnavailableError("the token endpoint is down"), Failure.OAUTH_PROVIDER),
    (Pop3TimeoutError("slow"), Failure.TIMEOUT),
    (TlsError("bad cert", certificate_error=True), Failure.TLS),
    (MailboxInUseError("locked"), Failure.IN_USE),
    (LoginDelayError("too soon"), Failure.BUSY),
    (TransientServerError("later"), Failure.BUSY),
    (ConnectError("refused"), Failure.CONNECTION),
    (PermanentServerError("POP disabled"), Failure.REFUSED),
    (ProtocolError("garbage"), Failure.PROTOCOL),
    (CommandError("no such message"), Failure.PROTOCOL),
    (Pop3Error("other"), Failure.PROTOCOL),
    (StateStoreError("disk full"), Failure.STATE),
    (ConfigError("plaintext not confirmed"), Failure.CONFIG),
    (ValueError("a bug"), Failure.INTERNAL),
    (OSError("raw"), Failure.INTERNAL),
]


@pytest.mark.parametrize(("error", "failure"), CASES, ids=lambda v: type(v).__name__)
def test_classify(error: BaseException, failure: Failure) -> None:
    assert classify(error) is failure


def test_every_kind_has_a_case() -> None:
    assert {failure for _, failure in CASES} == set(Failure)


def test_only_waiting_kinds_are_transient() -> None:
    # A token endpoint that is down says nothing about the credentials, like a busy server.
    assert {f for f in Failure if f.transient} == {
        Failure.TIMEOUT,
        Failure.IN_USE,
        Failure.BUSY,
        Failure.OAUTH_PROVIDER,
    }


def test_network_failures_are_the_builtin_exceptions_too() -> None:
    assert isinstance(Pop3TimeoutError("x"), TimeoutError)
    assert isinstance(ConnectError("x"), ConnectionError)
    assert isinstance(TlsError("x"), ConnectionError)
    assert not isinstance(AuthError("x"), OSError)
    # The message stays the engine's one, not OSError's "[Errno ...]" form.
    assert str(Pop3TimeoutError("the server stalled")) == "the server stalled"


async def test_callers_may_catch_the_builtin_names() -> None:
    async def stall() -> None:
        raise Pop3TimeoutError("stalled")

    with pytest.raises(TimeoutError):
        await stall()
    with pytest.raises(ConnectionError, match="refused"):
        raise ConnectError("refused")
    # asyncio's own timeouts are still told apart from the engine's by type.
    with pytest.raises(TimeoutError) as caught:
        async with asyncio.timeout(0):
            await asyncio.sleep(1)
    assert not isinstance(caught.value, Pop3Error)
