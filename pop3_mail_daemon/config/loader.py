"""Loading the daemon's YAML configuration into typed, validated settings.

:func:`load_config` reads the file, checks it against :mod:`.config_schema`, resolves secrets
(``password`` / ``password_env`` / ``password_file``), checks the rules with the dispatch parser
and returns a :class:`DaemonConfig`. Every problem is reported as ``path: problem`` in one
:class:`ConfigFileError`; nothing connects anywhere.

Relative paths (``state_dir``, ``cafile``, ``password_file``) are relative to the directory of the
configuration file, so the daemon behaves the same whatever its working directory.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import voluptuous as vol
import yaml

from pop3_mail.discovery import DiscoveryOptions, EmailAddress, parse_address, parse_nameserver
from pop3_mail.dispatch.rules import Rule, RuleError, parse_rules
from pop3_mail.errors import ConfigError
from pop3_mail.settings import OAUTH_METHODS, AuthMethod, Security, ServerSettings
from pop3_mail.validation import format_path

from .oauth2 import NotSignedIn, OAuth2Config, oauth2_config, preset_server
from .schema import DAEMON_SCHEMA, describe

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

PUBLISH_RULE_NAME = "publish_messages"
"""Name of the built-in rule that publishes every new message (``mqtt.publish_messages``)."""


class ConfigFileError(ConfigError):
    """The configuration cannot be used; ``problems`` holds one ``path: problem`` line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        """Keep the problems; the message lists them one per line."""
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginDetails:
    """What an account given by ``email`` brings to the server discovery finds for it."""

    username: str | None
    """Given explicitly; ``None``: the provider's username form decides."""
    password: str = field(repr=False)
    cafile: str | None
    auth_method: AuthMethod
    timeout: float


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountConfig:
    """One mailbox the daemon watches.

    An account given by ``email`` without ``host`` has no ``settings`` until its server is
    found (``pop3_mail_daemon.servers``); :attr:`server` is for code that runs after that.
    """

    name: str
    settings: ServerSettings | None
    scan_interval: int
    email: EmailAddress | None = None
    login: LoginDetails | None = None
    """Set when the server is to be discovered."""
    oauth2: OAuth2Config | None = None
    """How the account signs in when it has no password (its ``settings.oauth`` stands in
    until the daemon attaches the refreshing token provider)."""

    @property
    def server(self) -> ServerSettings:
        """The connection settings (found ones for a discovered account)."""
        if self.settings is None:
            raise RuntimeError(f"the server of account {self.name} has not been found yet")
        return self.settings


@dataclass(frozen=True, slots=True, kw_only=True)
class MqttConfig:
    """The broker and how the daemon appears on it."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    verify_ssl: bool = True
    cafile: str | None = None
    client_id: str = "pop3-mail"
    keepalive: int = 60
    discovery: bool = True
    discovery_prefix: str = "homeassistant"
    base_topic: str = "pop3_mail"
    publish_messages: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class WebConfig:
    """The status page and HTTP API; ``allowed_clients`` empty means every client."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8099
    allowed_clients: tuple[IpNetwork, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerDiscoveryConfig:
    """How accounts given by ``email`` find their server."""

    options: DiscoveryOptions = field(default_factory=DiscoveryOptions)


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonConfig:
    """Everything ``pop3-mail run`` needs. ``secrets`` lists values logs must never show."""

    accounts: tuple[AccountConfig, ...]
    mqtt: MqttConfig | None
    rules: tuple[Rule, ...]
    state_dir: Path
    web: WebConfig
    log_level: str = "info"
    secrets: tuple[str, ...] = field(default=(), repr=False)
    server_discovery: ServerDiscoveryConfig = field(default_factory=ServerDiscoveryConfig)


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> DaemonConfig:
    """Read and validate the configuration file at ``path``; raises :class:`ConfigFileError`."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigFileError([f"cannot read {path}: {err.strerror}"]) from err
    except UnicodeDecodeError as err:
        raise ConfigFileError([f"{path}: not UTF-8 text ({err.reason})"]) from err
    data = parse_yaml(raw, str(path))
    return build_config(data, base_dir=path.parent, environ=environ)


def parse_yaml(raw: str, name: str) -> Any:
    """``yaml.safe_load`` that reports syntax errors with line and column, and duplicate keys."""
    try:
        return yaml.load(raw, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = err.problem or err.context or "invalid YAML"
        raise ConfigFileError([f"{where}: invalid YAML: {problem}"]) from err
    except yaml.YAMLError as err:
        raise ConfigFileError([f"{name}: invalid YAML: {err}"]) from err


class _StrictLoader(yaml.SafeLoader):
    """Safe loading that rejects a key given twice in one mapping (the first would be lost)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def build_config(
    data: Any, *, base_dir: Path, environ: Mapping[str, str] | None = None
) -> DaemonConfig:
    """Validate already-parsed configuration data (from YAML or the add-on's options)."""
    if data is None:
        raise ConfigFileError(["the configuration is empty: at least 'accounts' is needed"])
    if not isinstance(data, dict):
        raise ConfigFileError(["(top level): expected a mapping (key: value)"])
    try:
        valid = DAEMON_SCHEMA(data)
    except vol.Invalid as err:
        raise ConfigFileError(describe(err)) from err
    resolver = _Resolver(base_dir, os.environ if environ is None else environ)
    accounts = tuple(
        _account(index, entry, resolver) for index, entry in enumerate(valid["accounts"])
    )
    resolver.problems.extend(duplicates(accounts))
    mqtt = _mqtt(valid["mqtt"], resolver) if "mqtt" in valid else None
    rules = _rules(valid["rules"], [a.name for a in accounts], mqtt is not None, resolver)
    if resolver.problems:
        raise ConfigFileError(resolver.problems)
    web = valid["web"]
    found = valid["server_discovery"]
    return DaemonConfig(
        accounts=accounts,
        mqtt=mqtt,
        rules=rules,
        state_dir=resolver.path(valid["state_dir"]),
        web=WebConfig(
            enabled=web["enabled"],
            host=web["host"],
            port=web["port"],
            allowed_clients=tuple(web["allowed_clients"]),
        ),
        log_level=valid["log_level"],
        secrets=tuple(resolver.secrets),
        server_discovery=ServerDiscoveryConfig(
            options=DiscoveryOptions(
                timeout=float(found["timeout"]),
                nameservers=tuple(parse_nameserver(text) for text in found["nameservers"]),
                allow_private_targets=found["allow_private_servers"],
            )
        ),
    )


class _Resolver:
    """Resolves paths and secrets, collecting problems instead of stopping at the first."""

    def __init__(self, base_dir: Path, environ: Mapping[str, str]) -> None:
        self.base_dir = base_dir
        self.environ = environ
        self.problems: list[str] = []
        self.secrets: list[str] = []

    def path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def readable_file(self, where: str, value: str) -> str:
        path = self.path(value)
        if not path.is_file():
            self.problems.append(f"{where}: file not found: {path}")
        elif not os.access(path, os.R_OK):
            self.problems.append(f"{where}: file not readable: {path}")
        return str(path)

    def secret(self, where: str, entry: Mapping[str, Any], key: str = "password") -> str | None:
        """The secret from ``<key>``, ``<key>_env`` or ``<key>_file`` (``password`` by default)."""
        value: str | None = None
        if key in entry:
            value = entry[key]
        elif f"{key}_env" in entry:
            name = entry[f"{key}_env"]
            value = self.environ.get(name)
            if not value:
                self.problems.append(
                    f"{where}.{key}_env: environment variable {name} is not set or empty"
                )
        elif f"{key}_file" in entry:
            path = self.path(entry[f"{key}_file"])
            try:
                value = path.read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as err:
                reason = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
                self.problems.append(f"{where}.{key}_file: cannot read {path}: {reason}")
            else:
                if not value:
                    self.problems.append(f"{where}.{key}_file: {path} is empty")
        if value:
            self.secrets.append(value)
        return value


def _account(index: int, entry: dict[str, Any], resolver: _Resolver) -> AccountConfig:
    where = format_path(["accounts", index])
    password = resolver.secret(where, entry) or ""
    oauth2 = None
    host, port = entry.get("host"), entry.get("port")
    if "oauth2" in entry:
        oauth2 = oauth2_config(f"{where}.oauth2", entry["oauth2"], resolver)
        if oauth2.client_secret:
            resolver.secrets.append(oauth2.client_secret)
        if host is None and (server := preset_server(entry["oauth2"])) is not None:
            host, port = server[0], port if port is not None else server[1]
    cafile = entry.get("cafile")
    if cafile is not None:
        cafile = resolver.readable_file(f"{where}.cafile", cafile)
    timeout = float(entry["timeout"])
    method = AuthMethod(entry["auth_method"])
    if method in OAUTH_METHODS and oauth2 is None:
        resolver.problems.append(f"{where}.auth_method: {method.value} needs an oauth2 section")
        method = AuthMethod.AUTO
    elif method not in (AuthMethod.AUTO, *OAUTH_METHODS) and oauth2 is not None:
        resolver.problems.append(
            f"{where}.auth_method: {method.value} logs in with a password; with oauth2 use "
            "auto, xoauth2 or oauthbearer"
        )
        method = AuthMethod.AUTO
    email = parse_address(entry["email"]) if "email" in entry else None
    if host is None:
        assert email is not None  # the schema requires one of them (oauth2 brings its own)
        login = LoginDetails(
            username=entry.get("username"),
            password=password,
            cafile=cafile,
            auth_method=method,
            timeout=timeout,
        )
        return AccountConfig(
            name=entry["name"],
            settings=None,
            scan_interval=entry["scan_interval"],
            email=email,
            login=login,
        )
    username = entry.get("username") or entry["email"]
    try:
        settings = ServerSettings(
            host=host,
            port=port,
            security=Security(entry.get("security", Security.SSL.value)),
            verify_tls=entry.get("verify_ssl", True),
            cafile=cafile,
            allow_insecure=entry.get("allow_insecure", False),
            username=username,
            password=password,
            oauth=NotSignedIn(entry["name"]) if oauth2 is not None else None,
            auth_method=method,
            connect_timeout=timeout,
            command_timeout=timeout,
            session_timeout=max(timeout * 10, 120.0),
        )
    except ConfigError as err:
        resolver.problems.append(f"{where}: {_config_hint(err)}")
        settings = ServerSettings(host=host, username=username)
    return AccountConfig(
        name=entry["name"],
        settings=settings,
        scan_interval=entry["scan_interval"],
        email=email,
        oauth2=oauth2,
    )


def _config_hint(err: ConfigError) -> str:
    """The engine's message, with the daemon's key names where they differ."""
    message = str(err)
    if "insecure opt-in" in message:
        return message + " (set allow_insecure: true)"
    if "exclude each other" in message:
        return "cafile and verify_ssl: false exclude each other"
    return message


def duplicates(accounts: Sequence[AccountConfig]) -> list[str]:
    """Problems of accounts that share a name or a maildrop (found servers included)."""
    problems = []
    names: dict[str, int] = {}
    maildrops: dict[str, int] = {}
    for index, account in enumerate(accounts):
        if account.name in names:
            problems.append(
                f"accounts[{index}].name: duplicate name {account.name!r} "
                f"(also accounts[{names[account.name]}])"
            )
        names.setdefault(account.name, index)
        if account.settings is None:
            continue  # not found yet: checked again once it is
        key = account.settings.account_key
        if key in maildrops:
            problems.append(
                f"accounts[{index}]: the same mailbox as accounts[{maildrops[key]}] ({key}); "
                "two watchers would lock each other out"
            )
        maildrops.setdefault(key, index)
    return problems


def _mqtt(entry: dict[str, Any], resolver: _Resolver) -> MqttConfig:
    password = resolver.secret("mqtt", entry)
    if password is not None and "username" not in entry:
        resolver.problems.append("mqtt.username: required when a password is given")
    cafile = entry.get("cafile")
    if cafile is not None:
        cafile = resolver.readable_file("mqtt.cafile", cafile)
        if not entry["tls"]:
            resolver.problems.append("mqtt.cafile: only used with tls: true")
    base_topic = entry["base_topic"]
    return MqttConfig(
        host=entry["host"],
        port=entry.get("port", 8883 if entry["tls"] else 1883),
        username=entry.get("username"),
        password=password,
        tls=entry["tls"],
        verify_ssl=entry["verify_ssl"],
        cafile=cafile,
        client_id=entry.get("client_id", "pop3-mail-" + re.sub(r"\W", "-", base_topic)),
        keepalive=entry["keepalive"],
        discovery=entry["discovery"],
        discovery_prefix=entry["discovery_prefix"],
        base_topic=base_topic,
        publish_messages=entry["publish_messages"],
    )


def _rules(
    data: list[Any], accounts: Sequence[str], have_mqtt: bool, resolver: _Resolver
) -> tuple[Rule, ...]:
    """Parse the rules and check what only the daemon knows: account names, MQTT presence."""
    for index, rule in enumerate(data):
        if not isinstance(rule, dict):
            continue  # the parser reports it
        if rule.get("name") == PUBLISH_RULE_NAME:
            resolver.problems.append(
                f"rules[{index}].name: {PUBLISH_RULE_NAME!r} is reserved for the built-in "
                "publication of every message"
            )
        wanted = rule.get("account")
        for name in [wanted] if isinstance(wanted, str) else wanted or []:
            if isinstance(name, str) and name not in accounts:
                resolver.problems.append(f"rules[{index}].account: unknown account {name!r}")
        for number, action in enumerate(rule.get("actions") or []):
            if not isinstance(action, dict):
                continue
            if "mqtt" in action and not have_mqtt:
                resolver.problems.append(
                    f"rules[{index}].actions[{number}].mqtt: needs the mqtt section"
                )
            notify = action.get("notify")
            if isinstance(notify, dict):
                urls = notify.get("urls")
                resolver.secrets.extend(url for url in urls or [] if isinstance(url, str) and url)
    try:
        return parse_rules(data)
    except RuleError as err:
        resolver.problems.extend(str(err).splitlines())
        return ()
