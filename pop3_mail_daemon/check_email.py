"""``pop3-mail check --email ADDRESS``: find the server, say what was found and how.

With ``--json`` nothing is printed here: the report carries the discovery, or, when no
server can be used, one JSON object ``{"discovery": …}`` is printed before the error.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING

from pop3_mail.errors import ConfigError

if TYPE_CHECKING:
    from pop3_mail.discovery import Discovery

# Finding a server brings DNS and HTTP clients (a second of imports): they are imported when an
# address is looked up, not when the CLI builds its parser (tests/daemon/test_cli_imports.py).

_HOST_ONLY = (("port", "--port"), ("security", "--security"))
_HOST_ONLY_FLAGS = (("allow_insecure", "--allow-insecure"), ("no_verify", "--no-verify"))


class EmailCheckError(Exception):
    """No server to log in to; ``usage``: other input is needed (exit 2), else exit 4."""

    def __init__(self, message: str, *, usage: bool) -> None:
        """Keep whether only other input can help."""
        super().__init__(message)
        self.usage = usage


def add_email_arguments(parser: argparse.ArgumentParser) -> None:
    """``--email`` and the options of finding its server."""
    parser.add_argument(
        "--email",
        metavar="ADDRESS",
        help="find the server of this address (without --host); the default username",
    )
    parser.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="ask this DNS server when finding the server (default: the system's)",
    )
    parser.add_argument(
        "--discovery-timeout", type=float, default=8.0, help="seconds finding the server may take"
    )
    parser.add_argument(
        "--allow-private-servers",
        action="store_true",
        help="use a found server whose name resolves to a private address",
    )


async def discover_for_check(args: argparse.Namespace) -> Discovery:
    """The discovery for ``args.email``, printed unless ``--json``.

    Raises:
        EmailCheckError: bad input, or no server that can be logged in to.

    """
    for name, flag in _HOST_ONLY:
        if getattr(args, name) is not None:
            raise EmailCheckError(
                f"{flag} needs --host (a found server is used as found)", usage=True
            )
    for name, flag in _HOST_ONLY_FLAGS:
        if getattr(args, name):
            raise EmailCheckError(
                f"{flag} needs --host (a found server is used as found)", usage=True
            )
    from pop3_mail.discovery import DiscoveryOptions, discover, parse_address  # noqa: PLC0415
    from pop3_mail.discovery.options import parse_nameserver  # noqa: PLC0415

    if not (math.isfinite(args.discovery_timeout) and args.discovery_timeout > 0):
        raise EmailCheckError(
            "--discovery-timeout must be a positive number of seconds", usage=True
        )
    try:
        options = DiscoveryOptions(
            timeout=args.discovery_timeout,
            nameservers=tuple(parse_nameserver(text) for text in args.nameserver),
            allow_private_targets=args.allow_private_servers,
        )
        result = await discover(parse_address(args.email), options)
    except ConfigError as err:
        raise EmailCheckError(str(err), usage=True) from None
    if not args.json:
        _print(result, args.username)
    problem = _unusable(result, have_token=bool(args.oauth_token_env or args.oauth_token_file))
    if problem is not None:
        if args.json:
            print(json.dumps({"discovery": result.as_record()}, indent=2))
        raise problem
    return result


def _print(result: Discovery, username: str | None) -> None:
    from .found_text import describe_found, describe_unfound, describe_warnings  # noqa: PLC0415

    if result.server is not None:
        found = describe_found(result.server, result.address, username)
        print(f"found: {found[0]}")
        extra = found[1:]
    else:
        extra = describe_unfound(result)
    for line in [*extra, *describe_warnings(result)]:
        print(line)


def _unusable(result: Discovery, *, have_token: bool) -> EmailCheckError | None:
    address = result.address.address
    found = result.server
    if found is not None:
        if found.oauth_only and not have_token:
            name = found.provider_name or found.host
            return EmailCheckError(
                f"{name} accepts only OAuth sign-in: give --oauth-token-env or --oauth-token-file",
                usage=True,
            )
        return None
    if result.no_pop3 is not None:
        return EmailCheckError(
            f"{result.no_pop3.provider_name} offers no POP3 for {address}", usage=True
        )
    if result.held_back:
        return EmailCheckError(
            f"the server found for {address} ({result.held_back[0].host}) resolves to a "
            "private address: give --host, or --allow-private-servers",
            usage=True,
        )
    return EmailCheckError(f"no POP3 server found for {address}: give --host", usage=False)
