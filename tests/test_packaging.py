"""Three places: the engine, the Home Assistant adapter (the HACS folder), the daemon adapter.

The engine has one import name, ``pop3_mail``: installed by pip for the daemon, CLI and tests,
and registered from the bundled copy by the integration inside Home Assistant
(``bundled_engine.py``). The HACS folder holds only what Home Assistant loads and works when it
is all there is; the daemon lives outside it.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "custom_components" / "pop3_mail"
ENGINE = INTEGRATION / "engine"
DAEMON = ROOT / "pop3_mail_daemon"

HOME_ASSISTANT_PLATFORMS = {
    "application_credentials",
    "button",
    "config_flow",
    "diagnostics",
    "event",
    "sensor",
}
"""The integration's modules that Home Assistant itself imports (besides the package)."""

BLOCK_IMPORTS = """
import importlib, importlib.abc, sys

class Block(importlib.abc.MetaPathFinder):
    def __init__(self, blocked):
        self.blocked = blocked
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.blocked:
            raise ImportError("imported " + name)
        return None
"""

ENGINE_WITHOUT_HOME_ASSISTANT = (
    BLOCK_IMPORTS
    + """
import pkgutil
sys.meta_path.insert(0, Block({"homeassistant", "custom_components", "pop3_mail_daemon"}))
import pop3_mail
for module in pkgutil.walk_packages(pop3_mail.__path__, "pop3_mail."):
    importlib.import_module(module.name)
    print(module.name)
"""
)

DAEMON_WITHOUT_HOME_ASSISTANT = (
    BLOCK_IMPORTS
    + """
import pkgutil
sys.meta_path.insert(0, Block({"homeassistant", "custom_components"}))
import pop3_mail_daemon
for module in pkgutil.walk_packages(pop3_mail_daemon.__path__, "pop3_mail_daemon."):
    if module.name != "pop3_mail_daemon.__main__":
        importlib.import_module(module.name)
        print(module.name)
"""
)

# Run in a copy of the HACS folder, with the pip-installed engine and the daemon out of reach:
# what Home Assistant imports must then come from the folder alone.
HACS_INSTALL = (
    BLOCK_IMPORTS
    + """
import json
config_dir, platforms, checkout = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "")]
sys.path[:] = [p for p in sys.path if p.rstrip("/") != checkout and p not in ("", ".")]
sys.meta_path.insert(0, Block({"pop3_mail_daemon"}))
sys.path.insert(0, config_dir)
assert importlib.util.find_spec("pop3_mail") is None, "the engine is still installed"
importlib.import_module("custom_components.pop3_mail")
for platform in platforms:
    importlib.import_module("custom_components.pop3_mail." + platform)
print(json.dumps(sorted(
    module.__file__ for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None) and module.__file__.startswith(config_dir)
)))
print(sys.modules["pop3_mail"].__file__)
"""
)


def python_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def imported_names(path: Path) -> list[tuple[int, str]]:
    """``(level, module)`` of every import in ``path`` (level 0: absolute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append((node.level, node.module or ""))
    return names


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )


def test_engine_imports_neither_home_assistant_nor_the_daemon() -> None:
    result = run_python(ENGINE_WITHOUT_HOME_ASSISTANT)
    assert result.returncode == 0, result.stderr
    expected = {
        "pop3_mail." + ".".join(path.relative_to(ENGINE).with_suffix("").parts)
        for path in python_files(ENGINE)
        if path.name != "__init__.py"
    }
    assert expected <= set(result.stdout.split())


def test_daemon_imports_nothing_from_home_assistant() -> None:
    result = run_python(DAEMON_WITHOUT_HOME_ASSISTANT)
    assert result.returncode == 0, result.stderr
    expected = {
        "pop3_mail_daemon." + ".".join(path.relative_to(DAEMON).with_suffix("").parts)
        for path in python_files(DAEMON)
        if path.name not in {"__init__.py", "__main__.py"}
    }
    assert expected <= set(result.stdout.split())


@pytest.mark.parametrize("path", python_files(ENGINE), ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_modules_import_each_other_relatively(path: Path) -> None:
    for level, name in imported_names(path):
        if level == 0:
            assert name.split(".")[0] not in {
                "homeassistant",
                "custom_components",
                "pop3_mail",
                "pop3_mail_daemon",
            }, f"{path.name} imports {name}: engine modules import each other relatively"


SECOND_NAME = ".".join(["custom_components", "pop3_mail", "engine"])
"""The name Python would also give the bundled files; nothing may use it (patch targets too)."""


def every_python_file_outside_the_engine() -> list[Path]:
    folders = [INTEGRATION, DAEMON, ROOT / "tests", ROOT / "bench"]
    return [
        path
        for folder in folders
        for path in python_files(folder)
        if not path.is_relative_to(ENGINE)
    ]


@pytest.mark.parametrize(
    "path", every_python_file_outside_the_engine(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_the_engine_has_one_import_name(path: Path) -> None:
    for level, name in imported_names(path):
        if level == 0:
            assert not name.startswith(SECOND_NAME), f"{path.name}: import the engine as pop3_mail"
        elif path.is_relative_to(INTEGRATION):
            assert not name.startswith("engine"), f"{path.name}: import the engine as pop3_mail"
    assert SECOND_NAME not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path",
    python_files(INTEGRATION),
    ids=lambda p: str(p.relative_to(INTEGRATION)),
)
def test_the_hacs_folder_holds_no_daemon_code(path: Path) -> None:
    for _level, name in imported_names(path):
        top = name.split(".")[0]
        assert top not in {"pop3_mail_daemon", "paho", "argparse"}, f"{path.name} imports {name}"
    assert path.name != "__main__.py"


AWAITING_THE_CONFIG_FLOW = Path("engine", "discovery")
"""Engine code the config flow is to use (issue 14, item 2); until then nothing loads it."""


def test_a_hacs_install_is_self_contained_and_loads_every_file(tmp_path: Path) -> None:
    """Only the copied folder: Home Assistant's imports work and use each of its files."""
    copy = tmp_path / "custom_components" / "pop3_mail"
    shutil.copytree(INTEGRATION, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "custom_components" / "__init__.py").write_text("")
    platforms = sorted(
        path.stem for path in INTEGRATION.glob("*.py") if path.stem in HOME_ASSISTANT_PLATFORMS
    )
    result = run_python(HACS_INSTALL, str(tmp_path), json.dumps(platforms), str(ROOT))
    assert result.returncode == 0, result.stderr
    loaded_line, engine_file = result.stdout.strip().splitlines()[-2:]
    assert Path(engine_file) == copy / "engine" / "__init__.py"
    loaded = {Path(name) for name in json.loads(loaded_line)}
    unused = sorted(
        str(path.relative_to(copy))
        for path in python_files(copy)
        if path not in loaded and not path.is_relative_to(copy / AWAITING_THE_CONFIG_FLOW)
    )
    assert unused == [], "files in the HACS folder that Home Assistant never loads"


def test_the_integration_registers_the_engine_before_importing_it() -> None:
    tree = ast.parse((INTEGRATION / "__init__.py").read_text(encoding="utf-8"))
    package_imports = [
        node for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 1
    ]
    first = package_imports[0]
    assert first.module is None
    assert [alias.name for alias in first.names] == ["bundled_engine"]
    assert not any(
        isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pop3_mail")
        for node in tree.body
    ), "__init__ may import the engine only through modules loaded after bundled_engine"


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(["pop3_mail", *init.parent.relative_to(ENGINE).parts])
        for init in ENGINE.rglob("__init__.py")
    } | {
        ".".join(["pop3_mail_daemon", *init.parent.relative_to(DAEMON).parts])
        for init in DAEMON.rglob("__init__.py")
    }
    assert listed == on_disk


def test_wheel_ships_both_packages(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "uv", "build", "--wheel", "--quiet", "-o", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("pop3_mail-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in python_files(ENGINE):
        assert "pop3_mail/" + path.relative_to(ENGINE).as_posix() in names
    for path in python_files(DAEMON):
        assert "pop3_mail_daemon/" + path.relative_to(DAEMON).as_posix() in names
    assert {"pop3_mail/py.typed", "pop3_mail_daemon/py.typed"} <= names
    assert not any(name.startswith("custom_components/") for name in names)
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))
    )
    assert b"pop3-mail = pop3_mail_daemon.cli:main" in entry_points
