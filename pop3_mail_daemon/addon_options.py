r"""Turns the add-on's ``/data/options.json`` into a daemon configuration file.

Run by the add-on's s6 service before ``pop3-mail run``::

    python3 -m pop3_mail.daemon.addon_options --options /data/options.json \
        --output /tmp/pop3-mail/daemon.yaml --state-dir /data

When the options name no broker, the broker comes from the Supervisor's MQTT service
(``GET $SUPERVISOR_URL/services/mqtt`` with ``$SUPERVISOR_TOKEN``); without one the daemon runs
without MQTT. The options mirror the daemon's configuration, except that a rule's actions are
flat keys (``mqtt_topic``, ``notify_urls``, ``mark_read`` …) because the Supervisor's schema
language cannot express a list of alternative actions.

Exit codes: 0 written, 2 unusable options (one ``path: problem`` line each on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from pop3_mail.state_store import write_atomically

from .config.loader import ConfigFileError, build_config

_LOGGER = logging.getLogger(__name__)

DEFAULT_SUPERVISOR_URL = "http://supervisor"
INGRESS_CLIENTS = ["172.30.32.2", "127.0.0.1"]
"""The Supervisor's ingress proxy, and the container itself for the Docker health check."""
CONFIG_DIR = "/config"
"""Where ``addon_config`` is mapped: the user's own files (CA certificates, apprise.yml)."""
WEB_PORT = 8099
"""The add-on's ingress port (the Supervisor's default ``ingress_port``)."""

_MATCH_KEYS = ("from", "to", "subject", "body", "has_attachment")
OAUTH2_PREFIX = "oauth2_"
"""Add-on account options ``oauth2_provider``, ``oauth2_client_id``... are the ``oauth2`` keys."""


class OptionsError(Exception):
    """The options cannot be turned into a configuration."""


def daemon_config(
    options: Mapping[str, Any],
    broker: Mapping[str, Any] | None,
    *,
    state_dir: str = "/data",
    web_port: int = WEB_PORT,
    config_dir: str = CONFIG_DIR,
) -> dict[str, Any]:
    """The daemon configuration for the add-on ``options`` (and the Supervisor's ``broker``).

    Relative file names (``cafile``, ``notify_config``) are taken as relative to the add-on's
    own configuration folder, ``/config`` inside the container.
    """
    base = Path(config_dir)
    config: dict[str, Any] = {
        "accounts": [
            _with_oauth2(_with_paths(_without_empty(account), base, "cafile"))
            for account in options.get("accounts") or []
        ],
        "state_dir": state_dir,
        "web": {"host": "0.0.0.0", "port": web_port, "allowed_clients": INGRESS_CLIENTS},  # noqa: S104 - ingress reaches the container from outside
    }
    mqtt = _with_paths(_without_empty(options.get("mqtt") or {}), base, "cafile")
    if "host" not in mqtt and broker is not None:
        mqtt = {**_broker_settings(broker), **mqtt}
    if "host" in mqtt:
        config["mqtt"] = mqtt
    elif mqtt:
        _LOGGER.warning("No MQTT broker: the mqtt options are ignored until a host is set")
    rules = [_rule(_with_paths(rule, base, "notify_config")) for rule in options.get("rules") or []]
    if rules:
        config["rules"] = rules
    if options.get("log_level"):
        config["log_level"] = options["log_level"]
    return config


def _without_empty(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Drop keys the add-on UI leaves empty (``""``, ``None``, ``[]``)."""
    return {key: value for key, value in entry.items() if value not in ("", None, [])}


def _with_paths(entry: dict[str, Any], base: Path, key: str) -> dict[str, Any]:
    if isinstance(entry.get(key), str) and entry[key]:
        entry = {**entry, key: str(base / entry[key])}  # an absolute name stays as it is
    return entry


def _with_oauth2(account: dict[str, Any]) -> dict[str, Any]:
    """The flat ``oauth2_*`` options (the Supervisor's schema nests only so deep) → ``oauth2``."""
    flat = {key: account.pop(key) for key in list(account) if key.startswith(OAUTH2_PREFIX)}
    if flat:
        account["oauth2"] = {key.removeprefix(OAUTH2_PREFIX): value for key, value in flat.items()}
    return account


def _broker_settings(broker: Mapping[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = {"host": str(broker["host"]), "port": int(broker["port"])}
    if broker.get("ssl"):
        settings["tls"] = True
    if broker.get("username"):
        settings["username"] = str(broker["username"])
    if broker.get("password"):
        settings["password"] = str(broker["password"])
    return settings


def _rule(option: Mapping[str, Any]) -> dict[str, Any]:
    """One flat add-on rule → the rule format of the daemon and the integration."""
    flat = _without_empty(option)
    rule: dict[str, Any] = {"name": flat.get("name", "")}
    if "account" in flat:
        rule["account"] = flat["account"]
    match = {key: flat[key] for key in _MATCH_KEYS if key in flat}
    if match:
        rule["match"] = match
    actions: list[dict[str, Any]] = []
    if flat.get("mqtt") or "mqtt_topic" in flat:
        actions.append({"mqtt": {"topic": flat["mqtt_topic"]} if "mqtt_topic" in flat else {}})
    notify = {
        target: flat[key]
        for key, target in (
            ("notify_urls", "urls"),
            ("notify_config", "config"),
            ("notify_tags", "tags"),
            ("notify_title", "title"),
            ("notify_body", "body"),
            ("notify_format", "format"),
            ("notify_attach", "attach"),
        )
        if key in flat
    }
    if notify:
        actions.append({"notify": notify})
    if flat.get("mark_read"):
        actions.append({"mark_read": True})
    if flat.get("delete_from_server"):
        actions.append({"delete_from_server": True})
    rule["actions"] = actions
    if flat.get("stop"):
        rule["stop"] = True
    return rule


def supervisor_broker(url: str, token: str | None, timeout: float = 10.0) -> dict[str, Any] | None:
    """The MQTT broker the Supervisor offers (e.g. the Mosquitto add-on), or ``None``."""
    if not token:
        _LOGGER.warning("SUPERVISOR_TOKEN is not set: cannot ask the Supervisor for a broker")
        return None
    if not url.startswith(("http://", "https://")):
        raise OptionsError(f"SUPERVISOR_URL must be an http(s) URL, not {url!r}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        f"{url.rstrip('/')}/services/mqtt", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.load(response)
    except urllib.error.HTTPError as err:
        _LOGGER.warning("The Supervisor has no MQTT service for us (HTTP %s)", err.code)
        return None
    except (OSError, ValueError) as err:
        _LOGGER.warning("Cannot ask the Supervisor for the MQTT broker: %s", err)
        return None
    data = answer.get("data") if isinstance(answer, dict) else None
    if answer.get("result") != "ok" or not isinstance(data, dict) or not data.get("host"):
        message = answer.get("message") if isinstance(answer, dict) else None
        _LOGGER.warning("The Supervisor offers no MQTT broker (%s)", message or "no data")
        return None
    try:
        int(data["port"])
    except (KeyError, TypeError, ValueError):
        _LOGGER.warning("The Supervisor's MQTT service has no usable port")
        return None
    _LOGGER.info("Using the MQTT broker of the Supervisor at %s:%s", data["host"], data["port"])
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """Write the daemon configuration for the add-on options."""
    parser = argparse.ArgumentParser(prog="pop3_mail.daemon.addon_options")
    parser.add_argument("--options", type=Path, default=Path("/data/options.json"))
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--state-dir", default="/data")
    parser.add_argument("--web-port", type=int, default=WEB_PORT)
    parser.add_argument("--config-dir", default=CONFIG_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        options = json.loads(args.options.read_text(encoding="utf-8"))
        if not isinstance(options, dict):
            raise OptionsError("the options are not a JSON object")  # noqa: TRY301
        broker = None
        if not (options.get("mqtt") or {}).get("host"):
            broker = supervisor_broker(
                os.environ.get("SUPERVISOR_URL", DEFAULT_SUPERVISOR_URL),
                os.environ.get("SUPERVISOR_TOKEN"),
            )
        config = daemon_config(
            options,
            broker,
            state_dir=args.state_dir,
            web_port=args.web_port,
            config_dir=args.config_dir,
        )
        # Check now, so that a mistake is reported against the add-on's option names.
        build_config(config, base_dir=Path(args.config_dir))
    except ConfigFileError as err:
        for problem in err.problems:
            print(f"pop3-mail: error: {problem}", file=sys.stderr)
        return 2
    except (OSError, ValueError, OptionsError) as err:
        print(f"pop3-mail: error: cannot use the add-on options: {err}", file=sys.stderr)
        return 2
    payload = yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode()
    # The file holds passwords: readable by this user only, written atomically.
    previous = os.umask(0o077)
    try:
        write_atomically(args.output, payload)
    finally:
        os.umask(previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
