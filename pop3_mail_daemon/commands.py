"""The ``pop3-mail run`` and ``pop3-mail validate`` subcommands.

Exit codes follow ``pop3_mail.cli``: 0 ok (also after SIGTERM/SIGINT), 1 internal error,
2 configuration error (every problem printed as ``path: problem`` on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .config.loader import ConfigFileError, DaemonConfig, load_config

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
        help="check a daemon configuration file without connecting anywhere",
        description="Check the configuration file, including secrets from environment "
        "variables and files, and every rule. Exit code 2 and one line per problem when it "
        "is not usable.",
    )
    validate.add_argument("--config", required=True, type=Path, metavar="FILE", help="YAML file")
    validate.set_defaults(command=_validate)


def _load(path: Path) -> DaemonConfig | None:
    try:
        return load_config(path)
    except ConfigFileError as err:
        for problem in err.problems:
            print(f"pop3-mail: error: {problem}", file=sys.stderr)
        return None


def _validate(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return EXIT_CONFIG
    print(describe(config))
    return EXIT_OK


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
