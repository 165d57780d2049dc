"""The daemon's configuration file: documented schema, secrets, errors that name the path."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pop3_mail.settings import Security
from pop3_mail_daemon.cli import main
from pop3_mail_daemon.config.loader import ConfigFileError, load_config

ROOT = Path(__file__).resolve().parents[2]
POP3_MAIL = Path(sys.executable).with_name("pop3-mail")

# The example from issue 5, verbatim apart from the secret sources.
ISSUE_EXAMPLE = """
mqtt:
  host: 127.0.0.1
  port: 1883
  username: mqtt-user          # optional
  password_file: mqtt-secret   # or password / password_env
  tls: false
  discovery: true
  discovery_prefix: homeassistant
  base_topic: pop3_mail
accounts:
  - name: home                 # [a-z0-9_], used in topics and unique ids
    host: pop.example.com
    port: 995
    security: ssl              # ssl | starttls | plain
    verify_ssl: true           # or cafile: /path/ca.pem
    username: me@example.com
    password_env: HOME_POP3_PASSWORD   # or password / password_file
    scan_interval: 300
rules:
  - name: parcels
    match:
      from: dhl.de
      subject: "regex:(zugestellt|delivered)"
    actions:
      - mqtt: {topic: home/parcels}
      - notify: {urls: ["ntfys://ntfy.sh/my-topic"], title: "Parcel: {{ subject }}"}
state_dir: ./state
web: {host: 127.0.0.1, port: 8099}
"""

VALID: dict[str, Any] = {
    "mqtt": {"host": "127.0.0.1"},
    "accounts": [
        {"name": "home", "host": "pop.example.com", "username": "me", "password": "pw1"},
        {"name": "work", "host": "pop.example.org", "username": "me", "password": "pw2"},
    ],
}


def write(tmp_path: Path, data: dict[str, Any] | str) -> Path:
    path = tmp_path / "pop3-mail.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def test_issue_example_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mqtt-secret").write_text("broker-pw\n")
    monkeypatch.setenv("HOME_POP3_PASSWORD", "pop-pw")
    config = load_config(write(tmp_path, ISSUE_EXAMPLE))

    (account,) = config.accounts
    assert account.name == "home"
    assert account.scan_interval == 300
    assert account.server.password == "pop-pw"
    assert account.server.security is Security.SSL
    assert account.server.effective_port == 995
    assert config.mqtt is not None
    assert config.mqtt.password == "broker-pw"  # trailing newline of the file stripped
    assert config.mqtt.username == "mqtt-user"
    assert config.mqtt.publish_messages is True
    assert [rule.name for rule in config.rules] == ["parcels"]
    assert config.state_dir == tmp_path / "state"  # relative to the file, not the cwd
    assert (config.web.host, config.web.port) == ("127.0.0.1", 8099)
    # Every secret is known to the log masking, the notify URL included.
    assert {"pop-pw", "broker-pw", "ntfys://ntfy.sh/my-topic"} <= set(config.secrets)
    assert "pop-pw" not in repr(config)
    assert "broker-pw" not in repr(config)
    assert "my-topic" not in repr(config)


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, {"accounts": VALID["accounts"][:1]}))
    assert config.mqtt is None
    assert config.rules == ()
    assert config.accounts[0].scan_interval == 300
    assert config.accounts[0].server.verify_tls is True
    assert config.web.enabled
    assert config.web.host == "127.0.0.1"
    assert config.web.allowed_clients == ()
    assert config.log_level == "info"


def test_mqtt_defaults_follow_tls(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    data["mqtt"] = {"host": "broker", "tls": True, "base_topic": "mail/pop"}
    config = load_config(write(tmp_path, data))
    assert config.mqtt is not None
    assert config.mqtt.port == 8883
    assert config.mqtt.client_id == "pop3-mail-mail-pop"
    assert config.mqtt.discovery_prefix == "homeassistant"


def test_cafile_relative_to_config(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not parsed at validation time")
    data = copy.deepcopy(VALID)
    data["accounts"][0]["cafile"] = "ca.pem"
    config = load_config(write(tmp_path, data))
    assert config.accounts[0].server.cafile == str(tmp_path / "ca.pem")


def test_validate_prints_a_summary_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--config", str(write(tmp_path, VALID))]) == 0
    out = capsys.readouterr().out
    assert "configuration OK: 2 account(s) (home, work), 0 rule(s)" in out
    assert "mqtt: 127.0.0.1:1883" in out
    assert "pw1" not in out


Mutation = Callable[[dict[str, Any]], None]


def set_at(path: str, value: Any) -> Mutation:
    """Mutation setting ``value`` at a dotted path (``accounts.1.port``)."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return mutate


def combine(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


BAD_CONFIGS: list[tuple[str, Mutation, str]] = [
    ("port-string", set_at("accounts.1.port", "995"), "accounts[1].port: expected int"),
    ("port-bool", set_at("accounts.0.port", True), "accounts[0].port: expected int"),
    ("port-range", set_at("accounts.0.port", 70000), "accounts[0].port: must be between 1"),
    ("no-accounts", set_at("accounts", []), "accounts: needs at least 1 entry"),
    ("accounts-missing", delete("accounts"), "accounts: required"),
    ("accounts-not-list", set_at("accounts", {"name": "x"}), "accounts: expected a list"),
    (
        "host-missing",
        delete("accounts.0.host"),
        "accounts[0]: give host and username, or email to find the server by",
    ),
    ("host-space", set_at("accounts.0.host", "pop example"), "accounts[0].host: expected a host"),
    ("name-upper", set_at("accounts.0.name", "Home"), "accounts[0].name: must be 1-32 characters"),
    ("name-dash", set_at("accounts.1.name", "my-box"), "accounts[1].name: must be 1-32"),
    (
        "name-duplicate",
        set_at("accounts.1.name", "home"),
        "accounts[1].name: duplicate name 'home'",
    ),
    (
        "same-mailbox",
        set_at("accounts.1.host", "POP.example.com"),
        "accounts[1]: the same mailbox as accounts[0]",
    ),
    ("security", set_at("accounts.0.security", "tls"), "accounts[0].security: expected one of ssl"),
    (
        "plain-without-opt-in",
        set_at("accounts.0.security", "plain"),
        "accounts[0]: security 'plain' sends the password unencrypted",
    ),
    (
        "cafile-and-no-verify",
        combine(
            set_at("accounts.0.cafile", "/etc/hostname"), set_at("accounts.0.verify_ssl", False)
        ),
        "accounts[0]: cafile and verify_ssl: false exclude each other",
    ),
    (
        "cafile-missing",
        set_at("accounts.0.cafile", "nope.pem"),
        "accounts[0].cafile: file not found",
    ),
    (
        "verify-string",
        set_at("accounts.0.verify_ssl", "yes"),
        "accounts[0].verify_ssl: expected true",
    ),
    (
        "interval-too-short",
        set_at("accounts.0.scan_interval", 1),
        "accounts[0].scan_interval: must be between 10",
    ),
    ("no-password", delete("accounts.0.password"), "accounts[0]: the password is missing"),
    (
        "two-passwords",
        set_at("accounts.0.password_env", "X"),
        "accounts[0]: give only one of password, password_env, password_file",
    ),
    (
        "env-unset",
        combine(delete("accounts.0.password"), set_at("accounts.0.password_env", "POP3_UNSET_VAR")),
        "accounts[0].password_env: environment variable POP3_UNSET_VAR is not set",
    ),
    (
        "password-file-missing",
        combine(delete("accounts.0.password"), set_at("accounts.0.password_file", "missing")),
        "accounts[0].password_file: cannot read",
    ),
    (
        "password-number",
        set_at("accounts.0.password", 1234),
        "accounts[0].password: expected a string",
    ),
    (
        "xoauth2",
        set_at("accounts.0.auth_method", "xoauth2"),
        "accounts[0].auth_method: xoauth2 needs an oauth2 section",
    ),
    (
        "typo",
        set_at("accounts.0.usernme", "x"),
        "accounts[0].usernme: unknown key (did you mean username?)",
    ),
    ("top-typo", set_at("rule", []), "rule: unknown key (did you mean rules?)"),
    ("mqtt-host", delete("mqtt.host"), "mqtt.host: required"),
    ("mqtt-port", set_at("mqtt.port", "1883"), "mqtt.port: expected int"),
    ("mqtt-tls", set_at("mqtt.tls", "no"), "mqtt.tls: expected true or false"),
    ("mqtt-user", set_at("mqtt.password", "x"), "mqtt.username: required when a password is given"),
    ("mqtt-wildcard", set_at("mqtt.base_topic", "mail/#"), "mqtt.base_topic: must not contain"),
    ("mqtt-slash", set_at("mqtt.discovery_prefix", "ha/"), "mqtt.discovery_prefix: must not start"),
    (
        "mqtt-cafile-no-tls",
        set_at("mqtt.cafile", "/etc/hostname"),
        "mqtt.cafile: only used with tls",
    ),
    ("mqtt-keepalive", set_at("mqtt.keepalive", 1), "mqtt.keepalive: must be between 5"),
    ("web-port", set_at("web.port", 0), "web.port: must be between 1 and 65535"),
    ("web-not-mapping", set_at("web", 3), "web: expected a mapping (key: value)"),
    ("mqtt-empty", set_at("mqtt", None), "mqtt: expected a mapping (key: value)"),
    (
        "reserved-rule-name",
        set_at("rules", [{"name": "publish_messages", "actions": [{"mark_read": True}]}]),
        "rules[0].name: 'publish_messages' is reserved",
    ),
    (
        "web-clients",
        set_at("web.allowed_clients", ["nonsense"]),
        "web.allowed_clients[0]: expected",
    ),
    ("log-level", set_at("log_level", "verbose"), "log_level: expected one of debug"),
    ("state-dir", set_at("state_dir", ""), "state_dir: must not be empty"),
    ("rules-not-list", set_at("rules", {"name": "x"}), "rules: expected a list"),
    (
        "rule-regex",
        set_at(
            "rules",
            [{"name": "r", "match": {"subject": "regex:("}, "actions": [{"mark_read": True}]}],
        ),
        "rules[0] (r): match.subject",
    ),
    (
        "rule-unknown-account",
        set_at("rules", [{"name": "r", "account": "nope", "actions": [{"mark_read": True}]}]),
        "rules[0].account: unknown account 'nope'",
    ),
    (
        "rule-mqtt-without-broker",
        combine(delete("mqtt"), set_at("rules", [{"name": "r", "actions": [{"mqtt": {}}]}])),
        "rules[0].actions[0].mqtt: needs the mqtt section",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "expected"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS]
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_config_exits_2_naming_the_path(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    mutation: Mutation,
    expected: str,
) -> None:
    monkeypatch.delenv("POP3_UNSET_VAR", raising=False)
    data = copy.deepcopy(VALID)
    mutation(data)
    path = write(tmp_path, data)
    assert main([command, "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"pop3-mail: error: {expected}" in err
    assert not (tmp_path / "state").exists()  # nothing started


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accounts:\n  - name: a\n   host: x\n", "pop3-mail.yaml:3:4: invalid YAML"),
        ("accounts: [\n", "pop3-mail.yaml:2:1: invalid YAML"),
        (
            "accounts: []\naccounts: []\n",
            "pop3-mail.yaml:2:1: invalid YAML: duplicate key 'accounts'",
        ),
        ("", "the configuration is empty"),
        ("- just\n- a list\n", "(top level): expected a mapping"),
        ("accounts: !!python/object:os.system {}\n", "invalid YAML"),
    ],
    ids=["indent", "unclosed", "duplicate-key", "empty", "list", "python-tag"],
)
def test_bad_yaml_exits_2_with_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    assert main(["validate", "--config", str(write(tmp_path, text))]) == 2
    assert expected in capsys.readouterr().err


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    data["accounts"][0]["port"] = "x"
    data["accounts"][1]["security"] = "tls"
    data["mqtt"]["port"] = "y"
    with pytest.raises(ConfigFileError) as caught:
        load_config(write(tmp_path, data))
    assert set(caught.value.problems) == {
        "mqtt.port: expected int",
        "accounts[0].port: expected int",
        "accounts[1].security: expected one of ssl, starttls, plain",
    }


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_error_messages_never_contain_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(VALID)
    data["accounts"][0]["password"] = "hunter2-secret"
    data["accounts"][0]["security"] = "plain"
    data["rules"] = [
        {"name": "r", "actions": [{"notify": {"urls": ["json://tok3n@host"], "tags": ["a"]}}]}
    ]
    assert main(["validate", "--config", str(write(tmp_path, data))]) == 2
    err = capsys.readouterr().err
    assert "hunter2-secret" not in err
    assert "tok3n" not in err


@pytest.mark.parametrize("command", ["validate", "run"])
def test_installed_command_exits_2(tmp_path: Path, command: str) -> None:
    data = copy.deepcopy(VALID)
    data["accounts"][1]["port"] = "995"
    result = subprocess.run(
        [str(POP3_MAIL), command, "--config", str(write(tmp_path, data))],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == "pop3-mail: error: accounts[1].port: expected int\n"


def test_unusable_state_dir_exits_2(tmp_path: Path) -> None:
    """Checked at start, not by ``validate``: the directory is created when the daemon runs."""
    (tmp_path / "a-file").write_text("")
    data = {**copy.deepcopy(VALID), "state_dir": "a-file/state", "web": {"enabled": False}}
    del data["mqtt"]
    result = subprocess.run(
        [str(POP3_MAIL), "run", "--config", str(write(tmp_path, data))],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"state_dir: cannot create {tmp_path / 'a-file' / 'state'}" in result.stderr
    assert "Traceback" not in result.stderr
