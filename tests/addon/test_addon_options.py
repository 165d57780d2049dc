"""From the add-on's options.json to a daemon configuration (pop3_mail_daemon.addon_options)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pop3_mail_daemon.addon_options import INGRESS_CLIENTS, daemon_config, main, supervisor_broker
from pop3_mail_daemon.config.loader import build_config
from tests.addon.supervisor import NO_SERVICE, TOKEN, broker_answer, stand_in_supervisor
from tests.addon.supervisor_model import validate_options
from tests.addon.test_addon_files import manifest
from tests.support.ports import free_port

ACCOUNT = {"name": "home", "host": "pop.example.com", "username": "me", "password": "pw"}


def test_minimal_options() -> None:
    config = daemon_config({"accounts": [ACCOUNT], "mqtt": {}, "rules": []}, None)
    assert config == {
        "accounts": [ACCOUNT],
        "state_dir": "/data",
        "web": {"host": "0.0.0.0", "port": 8099, "allowed_clients": INGRESS_CLIENTS},
    }


def test_empty_fields_from_the_ui_are_dropped_and_paths_are_in_the_config_folder() -> None:
    account = {**ACCOUNT, "port": None, "cafile": "certs/ca.pem", "security": ""}
    options = {"accounts": [account], "mqtt": {"host": "", "cafile": "/ssl/broker.pem"}}
    config = daemon_config(options, None, config_dir="/config")
    assert config["accounts"] == [{**ACCOUNT, "cafile": "/config/certs/ca.pem"}]
    assert "mqtt" not in config  # no host: no broker (the cafile alone is not one)


def test_broker_from_the_supervisor_and_options_override_it() -> None:
    broker = broker_answer(1883, ssl=True)["data"]
    config = daemon_config({"accounts": [ACCOUNT], "mqtt": {"base_topic": "mail"}}, broker)
    assert config["mqtt"] == {
        "host": "127.0.0.1",
        "port": 1883,
        "tls": True,
        "username": "addons",
        "password": "broker-secret",
        "base_topic": "mail",
    }
    own = daemon_config({"accounts": [ACCOUNT], "mqtt": {"host": "mine.lan"}}, broker)
    assert own["mqtt"] == {"host": "mine.lan"}


def test_flat_rules_become_daemon_rules(tmp_path: Path) -> None:
    rules = [
        {
            "name": "parcels",
            "account": "home",
            "from": "dhl.de",
            "subject": "regex:delivered",
            "has_attachment": False,
            "mqtt": True,
            "notify_urls": ["json://127.0.0.1:9/x"],
            "notify_config": "apprise.yml",
            "notify_tags": ["phone"],
            "notify_title": "Parcel: {{ subject }}",
            "notify_body": "{{ snippet }}",
            "notify_format": "markdown",
            "notify_attach": True,
            "mark_read": True,
            "delete_from_server": True,
            "stop": True,
        },
        {"name": "topic only", "mqtt_topic": "mail/{{ account }}", "mark_read": False, "to": ""},
    ]
    config = daemon_config({"accounts": [ACCOUNT], "rules": rules}, None, config_dir="/config")
    assert config["rules"] == [
        {
            "name": "parcels",
            "account": "home",
            "match": {"from": "dhl.de", "subject": "regex:delivered", "has_attachment": False},
            "actions": [
                {"mqtt": {}},
                {
                    "notify": {
                        "urls": ["json://127.0.0.1:9/x"],
                        "config": "/config/apprise.yml",
                        "tags": ["phone"],
                        "title": "Parcel: {{ subject }}",
                        "body": "{{ snippet }}",
                        "format": "markdown",
                        "attach": True,
                    }
                },
                {"mark_read": True},
                {"delete_from_server": True},
            ],
            "stop": True,
        },
        {"name": "topic only", "actions": [{"mqtt": {"topic": "mail/{{ account }}"}}]},
    ]
    config["mqtt"] = {"host": "127.0.0.1"}
    built = build_config(config, base_dir=tmp_path)
    assert [rule.name for rule in built.rules] == ["parcels", "topic only"]


async def test_supervisor_broker_lookup() -> None:
    async with stand_in_supervisor(broker_answer(1883)) as supervisor:
        broker = await asyncio.to_thread(supervisor_broker, supervisor.url, TOKEN)
        assert broker is not None
        assert (broker["host"], broker["port"]) == ("127.0.0.1", 1883)
        assert supervisor.requests[0]["Authorization"] == f"Bearer {TOKEN}"
        assert await asyncio.to_thread(supervisor_broker, supervisor.url, "wrong") is None
    async with stand_in_supervisor(NO_SERVICE, status=400) as supervisor:
        assert await asyncio.to_thread(supervisor_broker, supervisor.url, TOKEN) is None
    async with stand_in_supervisor({"result": "ok", "data": {"host": "x", "port": "nope"}}) as s:
        assert await asyncio.to_thread(supervisor_broker, s.url, TOKEN) is None
    closed = f"http://127.0.0.1:{free_port()}"
    assert await asyncio.to_thread(supervisor_broker, closed, TOKEN) is None
    assert supervisor_broker("http://supervisor", None) is None  # no token: not asked at all


def run_main(tmp_path: Path, options: dict[str, Any]) -> tuple[int, Path]:
    options_file = tmp_path / "options.json"
    options_file.write_text(json.dumps(options))
    output = tmp_path / "out" / "daemon.yaml"
    code = main(
        [
            "--options",
            str(options_file),
            "--output",
            str(output),
            "--state-dir",
            str(tmp_path / "state"),
            "--config-dir",
            str(tmp_path),
            "--web-port",
            "18099",
        ]
    )
    return code, output


def test_main_writes_a_private_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPERVISOR_TOKEN", raising=False)
    code, output = run_main(tmp_path, {"accounts": [ACCOUNT], "mqtt": {"host": "broker"}})
    assert code == 0
    assert output.stat().st_mode & 0o777 == 0o600
    written = yaml.safe_load(output.read_text())
    assert written["mqtt"] == {"host": "broker"}
    assert written["web"]["port"] == 18099
    assert written["state_dir"] == str(tmp_path / "state")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"accounts": []}, "accounts: needs at least 1 entry"),
        ({"accounts": [{**ACCOUNT, "name": "Home"}]}, "accounts[0].name: must be 1-32"),
        ({"accounts": [{**ACCOUNT, "security": "plain"}]}, "allow_insecure: true"),
        ({"accounts": [ACCOUNT], "rules": [{"name": "r"}]}, "rules[0] (r): actions"),
    ],
)
def test_main_reports_bad_options(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    options: dict[str, Any],
    message: str,
) -> None:
    monkeypatch.delenv("SUPERVISOR_TOKEN", raising=False)
    code, output = run_main(tmp_path, options)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not output.exists()


def test_main_with_unreadable_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "options.json").write_text("{not json")
    code = main(["--options", str(tmp_path / "options.json"), "--output", str(tmp_path / "x")])
    assert code == 2
    assert "cannot use the add-on options" in capsys.readouterr().err


def test_an_account_may_give_only_its_email_address(tmp_path: Path) -> None:
    # "str?", not "email?": the UI leaves cleared fields as "", which "email" would refuse.
    account = {"name": "gmx", "email": "me@gmx.de", "password": "pw", "host": ""}
    options = {"accounts": [account], "mqtt": {}, "rules": []}
    stored = validate_options(manifest()["schema"], options)  # the Supervisor accepts it
    config = daemon_config(stored, None, state_dir=str(tmp_path), config_dir=str(tmp_path))
    assert config["accounts"] == [{"name": "gmx", "email": "me@gmx.de", "password": "pw"}]
    (found,) = build_config(config, base_dir=tmp_path).accounts
    assert found.settings is None
    assert found.email is not None
    assert found.email.domain == "gmx.de"
