"""The ``pop3-mail`` command.

Exit codes: 0 ok, 1 unexpected internal error (a bug), 2 usage or configuration error,
3 authentication failed, 4 connection, TLS or protocol failure (timeouts and servers that break
the protocol included). Errors are one line on stderr, never a traceback. Secrets are never
taken from the command line and never printed.
"""

from __future__ import annotations

import argparse
import codecs
import io
import json
import logging
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pop3_mail import __version__
from pop3_mail.errors import ConfigError, Failure, classify
from pop3_mail.oauth import FixedToken
from pop3_mail.settings import AuthMethod, Security, ServerSettings

from .check_email import EmailCheckError, add_email_arguments, discover_for_check
from .commands import add_daemon_commands

if TYPE_CHECKING:
    from pop3_mail.discovery import FoundServer

    from .check import CheckReport

# Each command imports what it needs when it runs: `check` the POP3 client and the mail
# parser (never the daemon, its configuration, Jinja2, apprise or paho; DNS and HTTP only to
# find a server for --email), `validate` the configuration loader, `run` the daemon. `--help`
# and usage errors need none of it (bench/cli_start.py measures the start;
# tests/daemon/test_cli_imports.py checks the rule).

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_CONNECTION = 4

Command = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Wrong arguments or unusable configuration (exit code 2)."""


def _read_secret(env: str | None, file: str | None, what: str) -> str | None:
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise UsageError(f"environment variable {env} (the {what}) is not set or empty")
        return value
    if file is not None:
        try:
            value = Path(file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as err:
            raise UsageError(f"cannot read the {what} file {file}: {err.strerror}") from err
        except UnicodeDecodeError:
            raise UsageError(f"the {what} file {file} is not UTF-8 text") from None
        if not value:
            raise UsageError(f"the {what} file {file} is empty")
        return value
    return None


def _settings_from_args(
    args: argparse.Namespace, found: FoundServer | None = None
) -> ServerSettings:
    password = _read_secret(args.password_env, args.password_file, "password")
    token = _read_secret(args.oauth_token_env, args.oauth_token_file, "OAuth token")
    if password is None and token is None:
        raise UsageError("give the password with --password-env or --password-file")
    security = Security(args.security or Security.SSL.value)
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UsageError("--timeout must be a positive number of seconds")
    login: dict[str, Any] = {
        "password": password or "",
        "oauth": FixedToken(token) if token is not None else None,
        "cafile": args.cafile,
        "auth_method": AuthMethod(args.auth),
        "command_timeout": args.timeout,
        "connect_timeout": args.timeout,
        "session_timeout": max(args.timeout * 4, 60.0),
    }
    username = args.username or args.email
    if found is None and username is None:
        raise UsageError("give --username (or --email)")
    try:
        if found is not None:
            from pop3_mail.discovery import parse_address  # noqa: PLC0415 - see the imports

            return found.settings(parse_address(args.email), username=args.username, **login)
        return ServerSettings(
            host=args.host,
            port=args.port,
            security=security,
            verify_tls=not args.no_verify,
            allow_insecure=args.allow_insecure,
            username=username,
            **login,
        )
    except ConfigError as err:
        raise UsageError(str(err)) from err


def _print_report(report: CheckReport) -> None:
    settings = report.settings
    print(f"{settings.username} on {settings.host}:{settings.effective_port} ({settings.security})")
    print("capabilities: " + (", ".join(report.capabilities.as_list()) or "(CAPA not supported)"))
    print(f"messages: {report.message_count}, total size: {report.total_size} bytes")
    for summary in report.messages:
        sender = summary.from_name or summary.from_address or "(unknown sender)"
        if summary.from_name and summary.from_address:
            sender = f"{summary.from_name} <{summary.from_address}>"
        print(f"#{summary.number} {summary.date or '(no date)'}  {sender}")
        print(f"    {summary.subject or '(no subject)'}")


def _stdout_is_utf8() -> bool:
    try:
        return codecs.lookup(sys.stdout.encoding or "ascii").name == "utf-8"
    except LookupError:
        return False


def _check(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415 - see the imports above

    from .check import check_mailbox  # noqa: PLC0415

    discovery = None
    if args.host is None:
        if args.email is None:
            raise UsageError("give --host (and --username), or --email to find the server")
        try:
            discovery = asyncio.run(discover_for_check(args))
        except EmailCheckError as err:
            return _fail(EXIT_USAGE if err.usage else EXIT_CONNECTION, str(err))
    settings = _settings_from_args(args, discovery.server if discovery else None)
    report = asyncio.run(check_mailbox(settings, args.list))
    if discovery is not None:
        report = replace(report, discovery=discovery)
    # Subjects hold any character; a stdout that cannot encode them (a latin-1 locale, a
    # redirect on Windows) must still get the report: JSON escapes, text is backslash-escaped.
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=not _stdout_is_utf8(), indent=2))
    else:
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(errors="backslashreplace")
        _print_report(report)
    return EXIT_OK


def _add_check(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="log in to a mailbox and show what is there (changes nothing)",
        description="Log in, print the server's capabilities, message count, total size and the "
        "newest messages. Uses TOP only: nothing is marked read or deleted.",
    )
    parser.add_argument("--host", help="the POP3 server (else found from --email)")
    parser.add_argument("--port", type=int, help="default: 995 for ssl, 110 otherwise")
    parser.add_argument("--security", choices=[s.value for s in Security], help="default: ssl")
    parser.add_argument(
        "--allow-insecure",
        action="store_true",
        help="required with --security plain: the password travels unencrypted",
    )
    verify = parser.add_mutually_exclusive_group()
    verify.add_argument("--cafile", help="trust this CA certificate (PEM) instead of the system's")
    verify.add_argument("--no-verify", action="store_true", help="do not verify the certificate")
    parser.add_argument("--username", help="default: --email, or the found provider's form")
    secret = parser.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-env", metavar="VAR", help="read the password from $VAR")
    secret.add_argument("--password-file", metavar="FILE", help="read the password from FILE")
    secret.add_argument("--oauth-token-env", metavar="VAR", help="OAuth2 access token from $VAR")
    secret.add_argument("--oauth-token-file", metavar="FILE", help="OAuth2 access token from FILE")
    parser.add_argument("--auth", choices=[m.value for m in AuthMethod], default="auto")
    parser.add_argument("--list", type=int, default=5, metavar="N", help="newest N messages")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per network wait")
    add_email_arguments(parser)
    parser.set_defaults(command=_check)


_OPTION_VALUE = re.compile(r"(?<!\S)(-[^\s=]*)=\S*")


def _takes_value(word: str) -> bool:
    """Whether ``word`` is an option that the next word may be the value of."""
    return word.startswith("-") and "=" not in word


def _without_values(message: str) -> str:
    """An argparse message without the values given to unknown options.

    A mistyped ``--password=…`` or ``-p …`` must not put the password on the screen.
    """
    prefix = "unrecognized arguments: "
    if message.startswith(prefix):
        words = message.removeprefix(prefix).split()
        shown = [
            "…" if index and _takes_value(words[index - 1]) else word
            for index, word in enumerate(words)
        ]
        message = prefix + " ".join(shown)
    return _OPTION_VALUE.sub(r"\1=…", message)


class _Parser(argparse.ArgumentParser):
    """Argument errors become exit code 2 with one line, like every other usage error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(_without_values(message))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = _Parser(prog="pop3-mail", description="Watch POP3 mailboxes.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    subparsers = parser.add_subparsers(title="commands", required=True, parser_class=_Parser)
    _add_check(subparsers)
    add_daemon_commands(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pop3-mail`` console script."""
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
        )
        command: Command = args.command
        return command(args)
    except UsageError as err:
        return _fail(EXIT_USAGE, str(err))
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        return _fail_with(err)


EXIT_CODES: dict[Failure, int] = {
    # Found once running: an unreadable CA file, a line break in a field.
    Failure.CONFIG: EXIT_USAGE,
    Failure.AUTH: EXIT_AUTH,
    Failure.TIMEOUT: EXIT_CONNECTION,
    Failure.IN_USE: EXIT_CONNECTION,
    Failure.BUSY: EXIT_CONNECTION,
    Failure.OAUTH_PROVIDER: EXIT_CONNECTION,
    Failure.TLS: EXIT_CONNECTION,
    Failure.CONNECTION: EXIT_CONNECTION,
    Failure.REFUSED: EXIT_CONNECTION,
    Failure.PROTOCOL: EXIT_CONNECTION,
    Failure.STATE: EXIT_INTERNAL,
    Failure.INTERNAL: EXIT_INTERNAL,
}
"""The engine's failure kinds as exit codes (the engine's :func:`classify` decides)."""


def _fail_with(err: Exception) -> int:
    failure = classify(err)
    code = EXIT_CODES[failure]
    if failure is Failure.INTERNAL:
        # Not written to be shown: only the type, never a text that may hold anything.
        return _fail(code, f"internal error ({type(err).__name__}); please report it")
    if failure is Failure.AUTH:
        return _fail(code, f"authentication failed: {err}")
    return _fail(code, str(err))


def _fail(code: int, message: str) -> int:
    print(f"pop3-mail: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
