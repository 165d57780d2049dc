"""The OAuth 2 logins: SASL XOAUTH2 and OAUTHBEARER (RFC 7628) over POP3 (RFC 5034).

Both always take two steps (``AUTH <mechanism>``, the server's ``+``, then the message on its own
line): an access token never fits the 255-octet command line, and Microsoft 365 refuses the
one-line form. A refused token comes back as an error challenge, ``+ <base64 JSON>``, which must
be answered before the server sends its final ``-ERR``: with an empty line for XOAUTH2 (Google's
and Microsoft's documentation), with a lone ``%x01`` for OAUTHBEARER (RFC 7628 §3.2.3). The
JSON's ``status`` and ``scope`` are kept in the error: they say why (expired, wrong scope).

The client runs the exchange over a :class:`Wire`, the stream of one exchange with the
client's bookkeeping; nothing here logs or raises the token or the SASL message.
"""

from __future__ import annotations

import logging

from ..errors import AuthError, ProtocolError
from ..settings import AuthMethod, ServerSettings
from .auth import (
    OAUTHBEARER_ERROR_REPLY,
    describe_xoauth2_challenge,
    oauthbearer_response,
    xoauth2_response,
)
from .login import LoginError, Wire
from .responses import Kind, Status

_LOGGER = logging.getLogger(__name__)


def sasl_message(method: AuthMethod, settings: ServerSettings, token: str) -> str:
    """The base64 client message of ``method`` (a secret: it carries the token)."""
    if method is AuthMethod.OAUTHBEARER:
        return oauthbearer_response(
            settings.username, token, settings.host, settings.effective_port
        )
    return xoauth2_response(settings.username, token)


async def oauth_login(
    wire: Wire, method: AuthMethod, settings: ServerSettings, token: str, fail: LoginError
) -> None:
    """Log in with ``token`` by ``method`` (XOAUTH2 or OAUTHBEARER).

    Raises:
        AuthError: the server refused the token (its reason in the message), or the mechanism.
        ProtocolError: the server broke the SASL exchange.
        Pop3Error: what ``fail`` makes of a refusal with a response code (``[SYS/TEMP]``...).

    """
    mechanism = method.value.upper()
    command = f"AUTH {mechanism}"
    response = sasl_message(method, settings, token)
    await wire.send(command)
    status = await wire.status(sasl=True)
    if status.kind is Kind.OK:
        raise ProtocolError(f"{wire.peer} accepted {command} without credentials")
    if status.kind is Kind.CONTINUE:
        await wire.send(response, shown="****", command=False)
        status = await wire.status(sasl=True)
    if status.kind is Kind.CONTINUE:
        await _answer_error_challenge(wire, method, status, response, fail)
        return
    if not status.ok:
        raise fail(status, command, response)


async def _answer_error_challenge(
    wire: Wire, method: AuthMethod, challenge: Status, response: str, fail: LoginError
) -> None:
    """The token was refused: answer the JSON challenge as the mechanism wants, read the end."""
    command = f"AUTH {method.value.upper()}"
    detail = describe_xoauth2_challenge(challenge.text)
    if method is AuthMethod.OAUTHBEARER:
        await wire.send(OAUTHBEARER_ERROR_REPLY, shown="(^A)", command=False)
    else:
        await wire.send("", shown="(empty line)", command=False)
    final = await wire.status(sasl=True)
    if final.kind is Kind.OK:
        # Nothing in the mechanisms allows it; the server has let us in, so go on.
        _LOGGER.warning("%s: %s error challenge (%s), then +OK", wire.peer, command, detail)
        return
    if final.kind is Kind.CONTINUE:
        raise ProtocolError(f"{wire.peer} kept sending {method.value.upper()} challenges")
    error = fail(final, command, response)
    if isinstance(error, AuthError):
        raise AuthError(
            f"the server rejected the OAuth token ({detail}); {error}",
            response_code=final.code,
        )
    raise error


async def confirm_with_noop(wire: Wire) -> None:
    """Make sure an accepted token really opened the maildrop, on a server without ``CAPA``.

    Microsoft has been seen to answer ``+OK`` to a token of another user and to refuse only the
    next command. With ``CAPA`` the post-login ``CAPA`` tells (the client checks it); without
    one, a ``NOOP`` (which RFC 1939 requires in the transaction state) decides.

    Raises:
        AuthError: the server refused the ``NOOP``.

    """
    await wire.send("NOOP")
    if not (await wire.status()).ok:
        raise another_user_error(wire.peer)


def another_user_error(peer: str) -> AuthError:
    """The error for a command refused right after an accepted token."""
    return AuthError(
        f"{peer} accepted the OAuth token but refused the next command: the token may belong "
        "to another user than the one configured"
    )
