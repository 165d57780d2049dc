"""How the Supervisor reads an add-on's options and translations, modelled for the tests.

Written after ``supervisor/addons/options.py`` (``AddonOptions``) and the translation schema in
``supervisor/addons/validate.py`` (2026). Devices and ``!secret`` look-ups are left out. One
difference on purpose: an unknown option is an error here (the Supervisor only warns and drops
it), so that a misspelt key in ``options`` or a test fixture is caught.
"""

from __future__ import annotations

import re
from typing import Any

import voluptuous as vol

# supervisor/addons/options.py, RE_SCHEMA_ELEMENT
SCHEMA_ELEMENT = re.compile(
    r"^(?:"
    r"|bool"
    r"|email"
    r"|url"
    r"|port"
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?"
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?"
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>\d+)?,(?P<i_max>\d+)?\))?"
    r"|float(?:\((?P<f_min>[\d\.]+)?,(?P<f_max>[\d\.]+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\)"
    r")\??$"
)

# supervisor/addons/validate.py, SCHEMA_TRANSLATION_CONFIGURATION (nested ``fields`` since
# 2025); extra keys are refused here instead of dropped.
TRANSLATION_ENTRY = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("description"): vol.Maybe(str),
        vol.Optional("fields"): {str: vol.Self},
    }
)
TRANSLATIONS = vol.Schema(
    {vol.Optional("configuration"): {str: TRANSLATION_ENTRY}, vol.Optional("network"): {str: str}}
)


def validate_options(schema: dict[str, Any], options: Any) -> dict[str, Any]:
    """The options as the Supervisor would store them; ``vol.Invalid`` names the problem."""
    return _dict(schema, options, "root")


def _element(kind: Any, value: Any, key: str) -> Any:
    if isinstance(kind, list):
        if not isinstance(value, list):
            raise vol.Invalid(f"Invalid list for option '{key}'")
        return [_element(kind[0], item, key) for item in value]
    if isinstance(kind, dict):
        return _dict(kind, value, key)
    return _single(kind, value, key)


def _dict(schema: dict[str, Any], value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise vol.Invalid(f"Invalid dict for option '{key}'")
    result: dict[str, Any] = {}
    for name, item in value.items():
        if name not in schema:
            raise vol.Invalid(f"Unknown option '{name}' in {key}")
        result[name] = _element(schema[name], item, name)
    for name in set(schema) - set(result):
        kind = schema[name]
        if isinstance(kind, list) and kind:
            kind = kind[0]  # a list is optional when its item type is
        if not (isinstance(kind, str) and kind.endswith("?")):
            raise vol.Invalid(f"Missing option '{name}' in {key}")
    return result


def _single(kind: str, value: Any, key: str) -> Any:
    if value is None:
        raise vol.Invalid(f"Missing required option '{key}'")
    match = SCHEMA_ELEMENT.match(kind)
    if match is None:
        raise vol.Invalid(f"Unknown type '{kind}' for option '{key}'")
    bounds: dict[str, float | None] = {"min": None, "max": None}
    for part in ("i_min", "i_max", "f_min", "f_max", "s_min", "s_max", "p_min", "p_max"):
        if match.group(part):
            bounds[part[2:]] = float(match.group(part))
    low, high = bounds["min"], bounds["max"]
    try:
        if kind.startswith(("str", "password")):
            return vol.All(str, vol.Length(min=low, max=high))(str(value))
        if kind.startswith("int"):
            return vol.All(vol.Coerce(int), vol.Range(min=low, max=high))(value)
        if kind.startswith("float"):
            return vol.All(vol.Coerce(float), vol.Range(min=low, max=high))(value)
        if kind.startswith("bool"):
            return vol.Boolean()(value)
        if kind.startswith("port"):
            return vol.All(vol.Coerce(int), vol.Range(min=1, max=65535))(value)
        if kind.startswith("match"):
            return vol.Match(match.group("match"))(str(value))
        if kind.startswith("list"):
            return vol.In(match.group("list").split("|"))(str(value))
    except vol.Invalid as err:
        raise vol.Invalid(f"Option '{key}': {err}") from None
    raise vol.Invalid(f"Type {kind!r} of option '{key}' is not modelled")


def schema_leaves(schema: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every leaf type of an options schema with its path (``.accounts[].port``)."""
    if isinstance(schema, dict):
        return [
            leaf for key, value in schema.items() for leaf in schema_leaves(value, f"{path}.{key}")
        ]
    if isinstance(schema, list):
        assert len(schema) == 1, f"{path}: a list schema has exactly one item type"
        return schema_leaves(schema[0], f"{path}[]")
    return [(path, schema)]


def sub_options(kind: Any) -> dict[str, Any] | None:
    """The nested options of a dict or list-of-dict option (``None`` for a plain value)."""
    if isinstance(kind, list):
        kind = kind[0]
    return kind if isinstance(kind, dict) else None


# supervisor/addons/validate.py (_SCHEMA_APP_CONFIG), 2026. The Supervisor drops unknown keys
# silently, so a misspelt key would just not take effect; here it is an error. Keys this add-on
# uses are checked as the Supervisor checks them, the others only by name.
_RE_SERVICE = r"^(?P<service>mqtt|mysql):(?P<rights>provide|want|need)$"
_RE_VOLUME = (
    r"^(data|config|ssl|local_apps|addons|backup|share|media|homeassistant_config"
    r"|all_app_configs|all_addon_configs|app_config|addon_config)(?::(rw|ro))?$"
)
_RE_IMAGE = r"^([a-zA-Z\-\.:\d{}]+/)*?([\-\w{}]+)/([\-\w{}]+)$"
_OTHER_KEYS = [
    "machine",
    "startup",
    "boot",
    "advanced",
    "stage",
    "ports",
    "ports_description",
    "watchdog",
    "watchdog_restart_policy",
    "webui",
    "ingress_port",
    "ingress_entry",
    "ingress_stream",
    "panel_title",
    "panel_admin",
    "homeassistant",
    "host_network",
    "host_pid",
    "host_ipc",
    "host_uts",
    "host_dbus",
    "devices",
    "udev",
    "tmpfs",
    "environment",
    "privileged",
    "apparmor",
    "full_access",
    "audio",
    "video",
    "gpio",
    "usb",
    "uart",
    "devicetree",
    "kernel_modules",
    "realtime",
    "hassio_api",
    "hassio_role",
    "homeassistant_api",
    "stdin",
    "legacy",
    "docker_api",
    "auth_api",
    "discovery",
    "backup_exclude",
    "backup_pre",
    "backup_post",
    "backup",
    "ulimits",
    "timeout",
    "journald",
    "breaking_versions",
]
_USED_KEYS: dict[Any, Any] = {
    vol.Required("name"): str,
    vol.Required("version"): str,
    vol.Required("slug"): vol.Match(r"^[-_.A-Za-z0-9]+$"),
    vol.Required("description"): str,
    vol.Required("arch"): [vol.In(["aarch64", "amd64"])],  # the others are deprecated
    vol.Optional("url"): vol.Url(),
    vol.Optional("init"): bool,
    vol.Optional("image"): vol.Match(_RE_IMAGE),
    vol.Optional("ingress"): bool,
    vol.Optional("panel_icon"): vol.Match(r"^mdi:[a-z0-9-]+$"),
    vol.Optional("services"): [vol.Match(_RE_SERVICE)],
    vol.Optional("map"): [vol.Match(_RE_VOLUME)],
    vol.Optional("options"): dict,
    vol.Optional("schema"): vol.Any(dict, False),
}
MANIFEST = vol.Schema({**_USED_KEYS, **{vol.Optional(key): object for key in _OTHER_KEYS}})
