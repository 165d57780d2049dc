"""``pop3-mail login --config FILE --account NAME``: sign an OAuth 2 account in.

Microsoft and ``custom`` providers with a device endpoint use the device flow (RFC 8628): the
command prints a link and a code, the user signs in on any device. Google's device flow cannot
grant mail access, so Google (and ``custom`` with an ``authorize_url``) sign in in a browser with
a desktop-app client: the command prints the sign-in link, listens on a loopback port for the
redirect, and also takes the redirected address pasted on standard input.

Exit codes: 0 signed in (the refresh token is stored in the state directory), 2 configuration
errors (also a provider that refuses the client or its scopes), 3 the sign-in was declined or the
code expired, 4 the provider could not be reached, 1 internal errors (the token file cannot be
written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_CONFIG = 2
EXIT_DECLINED = 3
EXIT_UNREACHABLE = 4


def add_login_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``login``."""
    login = subparsers.add_parser(
        "login",
        help="sign an account in with OAuth 2 (Microsoft, Google, custom)",
        description="Sign the account in at its OAuth 2 provider and keep the refresh token in "
        "the state directory, so that `pop3-mail run` can log in. Prints a link and a code "
        "(device sign-in) or a sign-in link (browser sign-in).",
    )
    login.add_argument("--config", required=True, type=Path, metavar="FILE", help="YAML file")
    login.add_argument("--account", required=True, metavar="NAME", help="the account's name")
    login.set_defaults(command=_login)


def _login(args: argparse.Namespace) -> int:
    # Only the command that runs imports aiohttp and the OAuth modules.
    from .oauth.cli_sign_in import sign_in_account  # noqa: PLC0415

    return sign_in_account(args.config, args.account)


def fail(code: int, message: str) -> int:
    """One error line on stderr; returns ``code``."""
    print(f"pop3-mail: error: {message}", file=sys.stderr)
    return code
