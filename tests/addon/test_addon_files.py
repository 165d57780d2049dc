"""The add-on folder: manifest, schema, translations, versions, Dockerfile, scripts, images."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
import yaml
from PIL import Image

import pop3_mail
from pop3_mail.settings import AuthMethod, Security
from pop3_mail_daemon.addon_options import OAUTH2_PREFIX, daemon_config
from pop3_mail_daemon.config import schema as config_schema
from pop3_mail_daemon.config.loader import build_config
from pop3_mail_daemon.config.oauth2 import KEYS as OAUTH2_KEYS
from tests.addon.supervisor_model import (
    MANIFEST,
    SCHEMA_ELEMENT,
    TRANSLATIONS,
    schema_leaves,
    sub_options,
    validate_options,
)
from tests.support.binaries import IN_CI

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "addon"
SERVICE = ADDON / "rootfs" / "etc" / "s6-overlay" / "s6-rc.d" / "pop3-mail"
SCRIPTS = [SERVICE / "run", SERVICE / "finish"]

# Keys the add-on linter rejects when set to the Supervisor's default (frenck/action-addon-linter).
SUPERVISOR_DEFAULTS: dict[str, Any] = {
    "startup": "application",
    "boot": "auto",
    "init": True,
    "ingress_port": 8099,
    "ingress_entry": "/",
    "ingress_stream": False,
    "panel_icon": "mdi:puzzle",
    "panel_admin": True,
    "stage": "stable",
    "timeout": 10,
    "hassio_api": False,
    "hassio_role": "default",
    "homeassistant_api": False,
    "host_network": False,
    "auth_api": False,
    "apparmor": True,
    "options": {},
    "schema": {},
    "advanced": False,
    "legacy": False,
    "full_access": False,
    "privileged": [],
    "tmpfs": False,
}
OBSOLETE_KEYS = {"watchdog", "codenotary", "auto_uart", "webui", "build_from"}


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ADDON / "config.yaml").read_text())
    return data


def test_manifest_keys() -> None:
    config = manifest()
    for key in ("name", "version", "slug", "description", "arch", "url"):
        assert config.get(key), key
    assert config["slug"] == "pop3_mail"
    assert config["arch"] == ["aarch64", "amd64"]
    assert config["init"] is False
    assert config["ingress"] is True
    assert config["services"] == ["mqtt:want"]
    assert "addon_config:rw" in config["map"]
    assert config["image"] == "ghcr.io/pop3-mail/pop3-mail-addon"  # generic, multi-arch
    assert "{arch}" not in config["image"]
    assert isinstance(config["version"], str)


def test_manifest_passes_the_supervisors_checks() -> None:
    MANIFEST(manifest())  # unknown (misspelt) keys included


@pytest.mark.parametrize(
    ("key", "value"),
    [("servics", ["mqtt:want"]), ("services", ["mqtt:wants"]), ("arch", ["armv7"])],
)
def test_manifest_check_catches_mistakes(key: str, value: Any) -> None:
    with pytest.raises(vol.Invalid):
        MANIFEST({**manifest(), key: value})


def test_no_key_at_its_default_and_no_obsolete_key() -> None:
    config = manifest()
    for key, default in SUPERVISOR_DEFAULTS.items():
        assert config.get(key, object()) != default, f"{key} is set to its default"
    assert not OBSOLETE_KEYS & set(config)


def test_schema_uses_supervisor_types() -> None:
    found = schema_leaves(manifest()["schema"])
    assert found
    for path, kind in found:
        assert isinstance(kind, str), path
        assert SCHEMA_ELEMENT.match(kind), f"{path}: {kind!r} is not a Supervisor type"
    # Secrets use the password type, so the UI masks them.
    kinds = dict(found)
    assert kinds[".accounts[].password"] == "password?"  # or oauth2
    assert kinds[".accounts[].oauth2_client_secret"] == "password?"
    assert kinds[".mqtt.password"] == "password?"
    assert kinds[".rules[].notify_urls[]"] == "password?"


FULL_OPTIONS: dict[str, Any] = {
    "accounts": [
        {
            "name": "home",
            "host": "pop.example.com",
            "port": 995,
            "security": "ssl",
            "verify_ssl": True,
            "allow_insecure": False,
            "username": "me@example.com",
            "password": "pw",
            "auth_method": "auto",
            "scan_interval": 300,
        }
    ],
    "mqtt": {
        "host": "core-mosquitto",
        "port": 1883,
        "username": "addons",
        "password": "mqtt-pw",
        "tls": False,
        "verify_ssl": True,
        "discovery": True,
        "discovery_prefix": "homeassistant",
        "base_topic": "pop3_mail",
        "publish_messages": True,
    },
    "rules": [
        {
            "name": "parcels",
            "account": "home",
            "from": "dhl.de",
            "subject": "regex:(zugestellt|delivered)",
            "has_attachment": False,
            "mqtt_topic": "home/parcels",
            "notify_urls": ["json://127.0.0.1:9/hook"],
            "notify_title": "Parcel: {{ subject }}",
            "notify_format": "text",
            "mark_read": True,
            "stop": True,
        }
    ],
    "log_level": "info",
}


def test_default_options_match_the_schema() -> None:
    config = manifest()
    assert validate_options(config["schema"], config["options"]) == config["options"]


def test_full_options_match_the_schema_and_make_a_valid_daemon_config(tmp_path: Path) -> None:
    assert validate_options(manifest()["schema"], FULL_OPTIONS) == FULL_OPTIONS
    generated = daemon_config(FULL_OPTIONS, None, state_dir=str(tmp_path), config_dir=str(tmp_path))
    config = build_config(generated, base_dir=tmp_path)
    assert [account.name for account in config.accounts] == ["home"]
    assert [rule.name for rule in config.rules] == ["parcels"]
    assert config.mqtt is not None
    assert config.mqtt.host == "core-mosquitto"


def test_an_outlook_account_signs_in_with_oauth2(tmp_path: Path) -> None:
    options = {
        **manifest()["options"],
        "accounts": [
            {
                "name": "outlook",
                "username": "me@outlook.com",
                "oauth2_provider": "microsoft",
                "oauth2_client_id": "00000000-0000-4000-8000-000000000001",
                "oauth2_tenant": "consumers",
            }
        ],
    }
    assert validate_options(manifest()["schema"], options) == options
    generated = daemon_config(options, None, state_dir=str(tmp_path), config_dir=str(tmp_path))
    assert generated["accounts"][0]["oauth2"] == {
        "provider": "microsoft",
        "client_id": "00000000-0000-4000-8000-000000000001",
        "tenant": "consumers",
    }
    (account,) = build_config(generated, base_dir=tmp_path).accounts
    assert account.oauth2 is not None
    assert account.server.host == "outlook.office365.com"
    assert "/consumers/" in account.oauth2.endpoints.token_url


def test_options_mirror_the_daemon_schema() -> None:
    schema = manifest()["schema"]
    daemon_keys = {
        section: {str(key) for key in keys}
        for section, keys in config_schema._SECTIONS.items()  # the daemon's documented keys
    }
    account = schema["accounts"][0]
    flat_oauth2 = {key for key in account if key.startswith(OAUTH2_PREFIX)}
    assert set(account) - flat_oauth2 <= daemon_keys["accounts"]
    assert {key.removeprefix(OAUTH2_PREFIX) for key in flat_oauth2} <= set(OAUTH2_KEYS)
    assert set(schema["mqtt"]) <= daemon_keys["mqtt"]
    assert {"accounts", "mqtt", "rules", "log_level"} == set(schema) <= daemon_keys[""]
    assert account["security"] == "list(" + "|".join(s.value for s in Security) + ")?"
    assert account["auth_method"] == "list(" + "|".join(m.value for m in AuthMethod) + ")?"
    assert schema["log_level"] == "list(" + "|".join(config_schema.LOG_LEVELS) + ")?"
    assert account["name"] == f"match({config_schema.ACCOUNT_NAME.pattern})"
    low, high = config_schema.MIN_SCAN_INTERVAL, 86400
    assert account["scan_interval"] == f"int({low},{high})?"


def translations(language: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (ADDON / "translations" / f"{language}.yaml").read_text(encoding="utf-8")
    )
    return data


def assert_entries_cover(entries: dict[str, Any], options: dict[str, Any], path: str) -> None:
    """Every option (nested ones in ``fields``) has a name, and no entry is left over."""
    assert set(entries) == set(options), path
    for key, kind in options.items():
        entry = entries[key]
        assert entry["name"].strip(), f"{path}.{key}"
        nested = sub_options(kind)
        if nested is None:
            assert "fields" not in entry, f"{path}.{key}: a plain option has no fields"
        else:
            assert entry.get("description", "").strip(), f"{path}.{key}"
            assert_entries_cover(entry.get("fields", {}), nested, f"{path}.{key}")


@pytest.mark.parametrize("language", ["en", "de"])
def test_translations_match_the_options(language: str) -> None:
    data = translations(language)
    TRANSLATIONS(data)  # the Supervisor's translation schema (nested fields included)
    assert_entries_cover(data["configuration"], manifest()["schema"], language)


def test_translations_have_the_same_structure() -> None:
    def shape(entries: dict[str, Any]) -> dict[str, Any]:
        return {
            key: (bool(entry.get("description")), shape(entry.get("fields", {})))
            for key, entry in entries.items()
        }

    english, german = translations("en"), translations("de")
    assert shape(german["configuration"]) == shape(english["configuration"])


def test_versions_are_in_step() -> None:
    version = manifest()["version"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # The package version is the engine's __version__ (pyproject reads it from there).
    assert pyproject["project"].get("version", version) == version
    if "version" in pyproject["project"].get("dynamic", []):
        dynamic = pyproject["tool"]["setuptools"]["dynamic"]["version"]
        assert dynamic == {"attr": "pop3_mail.__version__"}
    assert pop3_mail.__version__ == version
    dockerfile = (ADDON / "Dockerfile").read_text()
    assert f"ARG BUILD_VERSION={version}\n" in dockerfile
    changelog = (ADDON / "CHANGELOG.md").read_text()
    assert re.search(r"^## (\S+)", changelog, re.MULTILINE).group(1) == version  # type: ignore[union-attr]


def test_no_other_config_file_in_the_repository() -> None:
    """The Supervisor takes any config.yaml/.yml/.json anywhere in the repo for an add-on."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found = [
        name for name in listed if Path(name).name in {"config.yaml", "config.yml", "config.json"}
    ]
    assert found == ["addon/config.yaml"]


def test_repository_manifest() -> None:
    repository = yaml.safe_load((ROOT / "repository.yaml").read_text())
    assert {"name", "url", "maintainer"} <= set(repository)


def test_documents_exist() -> None:
    for name in ("DOCS.md", "README.md", "CHANGELOG.md", "apparmor.txt"):
        assert (ADDON / name).read_text().strip(), name


def test_apparmor_profile_is_named_after_the_slug() -> None:
    text = (ADDON / "apparmor.txt").read_text()
    assert re.search(r"^profile pop3_mail flags=", text, re.MULTILINE)
    assert text.count("{") == text.count("}")


@pytest.mark.parametrize(("name", "size"), [("icon.png", (128, 128)), ("logo.png", (250, 100))])
def test_images(name: str, size: tuple[int, int]) -> None:
    with Image.open(ADDON / name) as image:
        assert image.format == "PNG"
        assert image.size == size
        assert image.mode == "RGBA"


def test_dockerfile_conventions() -> None:
    text = (ADDON / "Dockerfile").read_text()
    assert text.startswith("# ")
    assert "ARG BUILD_FROM=ghcr.io/home-assistant/base-python:3.13-alpine3.23\n" in text
    assert "FROM ${BUILD_FROM}\n" in text
    assert "v${BUILD_VERSION}.tar.gz" in text  # the package at the add-on's version
    assert re.search(r"HEALTHCHECK .*\n.*127\.0\.0\.1:8099/healthz", text)
    for label in ("io.hass.version", "io.hass.type", "io.hass.arch"):
        assert label in text
    assert "COPY rootfs /" in text
    requirements = (ADDON / "requirements.txt").read_text()
    assert "apprise==" in requirements
    assert "paho-mqtt==" in requirements


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run(
        [str(hadolint), str(ADDON / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def shellcheck() -> str:
    found = shutil.which("shellcheck")
    if found is None:
        if IN_CI:
            pytest.fail("shellcheck is missing (scripts/test installs it)")
        pytest.skip("shellcheck is not installed")
    return found


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_pass_shellcheck(script: Path) -> None:
    result = subprocess.run(
        [shellcheck(), "--severity=style", str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_are_executable_in_git(script: Path) -> None:
    staged = subprocess.run(
        ["git", "ls-files", "-s", str(script.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert staged.startswith("100755 "), staged
    assert script.read_text().startswith("#!/command/with-contenv bash\n")


def test_s6_service_layout() -> None:
    base = SERVICE.parent
    assert (SERVICE / "type").read_text().strip() == "longrun"
    assert (SERVICE / "dependencies.d" / "base").exists()
    assert (base / "user" / "contents.d" / "pop3-mail").exists()


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        pytest.param(
            {"accounts": [{"name": "Bad Name", "host": "h", "username": "u", "password": "p"}]},
            "Option 'name'",
            id="account-name",
        ),
        pytest.param(
            {"accounts": [{"host": "h", "username": "u", "password": "p"}]},
            "Missing option 'name' in accounts",
            id="required-in-list",
        ),
        pytest.param({"mqtt": {"hots": "x"}}, "Unknown option 'hots'", id="typo"),
        pytest.param({"log_level": "loud"}, "Option 'log_level'", id="log-level"),
        pytest.param({"mqtt": {"port": 0}}, "Option 'port'", id="port-range"),
        pytest.param({"mqtt": {"host": None}}, "Missing required option 'host'", id="null"),
        pytest.param({"accounts": None}, "Invalid list for option 'accounts'", id="not-a-list"),
        pytest.param({"mqtt": []}, "Invalid dict for option 'mqtt'", id="not-a-dict"),
    ],
)
def test_schema_check_rejects_bad_options(options: dict[str, Any], problem: str) -> None:
    full = {**manifest()["options"], **options}
    with pytest.raises(vol.Invalid, match=problem):
        validate_options(manifest()["schema"], full)


@pytest.mark.parametrize("key", ["accounts", "mqtt", "rules"])
def test_default_options_hold_every_required_section(key: str) -> None:
    """A list of mappings or a mapping is required by the Supervisor: ``options`` must give it."""
    options = {name: value for name, value in manifest()["options"].items() if name != key}
    with pytest.raises(vol.Invalid, match=f"Missing option '{key}' in root"):
        validate_options(manifest()["schema"], options)


def test_supervisor_coerces_values_the_daemon_then_checks() -> None:
    options = {**manifest()["options"], "accounts": [{**FULL_OPTIONS["accounts"][0]}]}
    options["accounts"][0]["scan_interval"] = "600"
    options["accounts"][0]["verify_ssl"] = "false"
    stored = validate_options(manifest()["schema"], options)
    assert stored["accounts"][0]["scan_interval"] == 600
    assert stored["accounts"][0]["verify_ssl"] is False
