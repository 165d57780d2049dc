"""The daemon's and the CLI's names for the engine's failure kinds (the engine classifies)."""

from __future__ import annotations

import pytest

from pop3_mail.errors import (
    AuthError,
    ConnectError,
    Failure,
    LoginDelayError,
    MailboxInUseError,
    PermanentServerError,
    Pop3TimeoutError,
    ProtocolError,
    StateStoreError,
    TlsError,
    TokenRefusedError,
    TokenUnavailableError,
)
from pop3_mail_daemon.cli import EXIT_AUTH, EXIT_CODES, EXIT_CONNECTION, EXIT_INTERNAL, EXIT_USAGE
from pop3_mail_daemon.status import AVAILABLE, HEALTH, Health, health_of


def test_every_kind_is_named() -> None:
    assert set(HEALTH) == set(Failure)
    assert set(EXIT_CODES) == set(Failure)


@pytest.mark.parametrize(
    ("error", "health"),
    [
        # The published values are an API (MQTT status, /api/status): they must not move.
        (AuthError("no"), Health.AUTH_FAILED),
        (TokenRefusedError("revoked", reason="invalid_grant"), Health.AUTH_FAILED),
        (TokenUnavailableError("the token endpoint is down"), Health.OAUTH_UNAVAILABLE),
        (Pop3TimeoutError("slow"), Health.CONNECTION_FAILED),
        (ConnectError("refused"), Health.CONNECTION_FAILED),
        (TlsError("bad certificate", certificate_error=True), Health.TLS_FAILED),
        (MailboxInUseError("locked"), Health.BUSY),
        (LoginDelayError("too soon"), Health.BUSY),
        (PermanentServerError("POP disabled"), Health.SERVER_REFUSED),
        (ProtocolError("garbage"), Health.PROTOCOL_ERROR),
        (StateStoreError("disk full"), Health.STATE_ERROR),
        (ValueError("a bug"), Health.ERROR),
    ],
    ids=lambda value: type(value).__name__,
)
def test_published_status(error: BaseException, health: Health) -> None:
    assert health_of(error) is health


def test_exit_codes() -> None:
    assert EXIT_CODES[Failure.CONFIG] == EXIT_USAGE
    assert EXIT_CODES[Failure.AUTH] == EXIT_AUTH
    assert {EXIT_CODES[f] for f in Failure if f.transient} == {EXIT_CONNECTION}
    assert EXIT_CODES[Failure.INTERNAL] == EXIT_INTERNAL


def test_an_unreachable_token_endpoint_keeps_the_values() -> None:
    assert Health.OAUTH_UNAVAILABLE in AVAILABLE
