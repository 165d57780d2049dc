"""The ``pop3-mail run`` and ``pop3-mail validate`` subcommands.

Exit codes follow ``pop3_mail.cli``: 0 ok (also after SIGTERM/SIGINT), 1 internal error,
2 configuration error (every problem printed as ``path: problem`` on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .login_command import add_login_command  # light: its work is imported when it runs

if TYPE_CHECKING:
    from .config.loader import DaemonConfig
    from .servers import Resolution

# The configuration loader brings YAML, voluptuous, the rules (Jinja2) and finding servers (DNS,
# HTTP): imported when `run` or `validate` runs, never for `check` or `--help`.

EXIT_OK = 0
EXIT_CONFIG = 2  # the CLI's usage/configuration exit code


def add_daemon_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``run`` and ``validate``."""
    run = subparsers.add_parser(
        "run",
        help="watch the mailboxes of a configuration file (the daemon)",
        description="Poll every account of the configuration, apply the rules, publish to MQTT "
        "(with Home Assistant discovery) and serve the status page, until SIGTERM or SIGINT.",
    )
    run.add_argument("--config", required=True, type=Path, metavar="FILE", help="YAML file")
    run.set_defaults(command=_run)
    validate = subparsers.add_parser(
        "validate",
        help="check a daemon configuration file (connects to nothing but DNS and autoconfig)",
        description="Check the configuration file, including secrets from environment "
        "variables and files, and every rule, and say which server each account given by "
        "email would use and how it was found (the cache in the state directory, else a "
        "bounded discovery; nothing is written). Exit code 2 and one line per problem when it "
        "is not usable.",
    )
    validate.add_argument("--config", required=True, type=Path, metavar="FILE", help="YAML file")
    validate.set_defaults(command=_validate)
    add_login_command(subparsers)


def _load(path: Path) -> DaemonConfig | None:
    from .config.loader import ConfigFileError, load_config  # noqa: PLC0415

    try:
        return load_config(path)
    except ConfigFileError as err:
        for problem in err.problems:
            print(f"pop3-mail: error: {problem}", file=sys.stderr)
        return None


def _validate(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415 - see the imports above

    from .servers import DiscoveryCache, problems, resolve_servers  # noqa: PLC0415

    config = _load(args.config)
    if config is None:
        return EXIT_CONFIG
    cache = DiscoveryCache(config.state_dir)
    resolved, resolutions = asyncio.run(resolve_servers(config, cache=cache, write_cache=False))
    print(describe(config))
    for line in describe_servers(resolutions):
        print(line)
    unusable = problems(resolved, resolutions)
    for problem in unusable:
        print(f"pop3-mail: error: {problem}", file=sys.stderr)
    return EXIT_CONFIG if unusable else EXIT_OK


def describe_servers(resolutions: Sequence[Resolution]) -> list[str]:
    """What each account given by email would use, and how it was found."""
    from .found_text import describe_found, describe_unfound, describe_warnings  # noqa: PLC0415

    lines = []
    for resolution in resolutions:
        account = resolution.account
        assert account.email is not None
        lines.append(f"accounts[{resolution.index}] ({account.name}, {account.email}):")
        details: list[str] = []
        if resolution.found is not None:
            username = account.login.username if account.login else None
            details += describe_found(
                resolution.found, account.email, username, cached=resolution.from_cache
            )
        if resolution.discovery is not None:
            if resolution.found is None:
                details += describe_unfound(resolution.discovery)
            details += describe_warnings(resolution.discovery)
        lines += [f"  {line}" for line in details]
    return lines


def describe(config: DaemonConfig) -> str:
    """A short summary of a valid configuration (no secrets)."""
    names = ", ".join(account.name for account in config.accounts)
    lines = [
        f"configuration OK: {len(config.accounts)} account(s) ({names}), "
        f"{len(config.rules)} rule(s)",
    ]
    if config.mqtt is None:
        lines.append("mqtt: not configured")
    else:
        discovery = (
            f"discovery under {config.mqtt.discovery_prefix}"
            if config.mqtt.discovery
            else "no discovery"
        )
        lines.append(
            f"mqtt: {config.mqtt.host}:{config.mqtt.port}, topics under "
            f"{config.mqtt.base_topic}/, {discovery}"
        )
    web = f"{config.web.host}:{config.web.port}" if config.web.enabled else "disabled"
    lines.append(f"web: {web}")
    lines.append(f"state: {config.state_dir}")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return EXIT_CONFIG
    from .runner import run_daemon  # noqa: PLC0415 - the daemon's imports only when it runs

    return run_daemon(config, verbose=args.verbose)
