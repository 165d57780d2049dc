"""One engine, two names: shipped inside the HACS folder and as the `pop3_mail` distribution."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "custom_components" / "pop3_mail" / "engine"

BLOCK_HOME_ASSISTANT = """
import importlib, importlib.abc, pkgutil, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "homeassistant" or name.startswith("homeassistant."):
            raise ImportError("the engine imported Home Assistant: " + name)
        return None

sys.meta_path.insert(0, Block())
import pop3_mail
for module in pkgutil.walk_packages(pop3_mail.__path__, "pop3_mail."):
    importlib.import_module(module.name)
    print(module.name)
"""


def engine_files() -> list[Path]:
    return sorted(ENGINE.rglob("*.py"))


def test_engine_imports_nothing_from_home_assistant_at_run_time() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_HOME_ASSISTANT],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    imported = set(result.stdout.split())
    expected = {
        "pop3_mail." + ".".join(path.relative_to(ENGINE).with_suffix("").parts)
        for path in engine_files()
        if path.name != "__init__.py" and path.name != "__main__.py"
    }
    assert expected <= imported


@pytest.mark.parametrize("path", engine_files(), ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_modules_import_only_relatively(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            assert top not in {"homeassistant", "custom_components", "pop3_mail"}, (
                f"{path.name} imports {name}: engine modules import each other relatively, "
                "and never Home Assistant"
            )


def test_every_engine_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(["pop3_mail", *init.parent.relative_to(ENGINE).parts])
        for init in ENGINE.rglob("__init__.py")
    }
    assert listed == on_disk


def test_wheel_ships_every_engine_module(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "uv", "build", "--wheel", "--quiet", "-o", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("pop3_mail-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in engine_files():
        assert "pop3_mail/" + path.relative_to(ENGINE).as_posix() in names
    assert "pop3_mail/py.typed" in names
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))
    )
    assert b"pop3-mail = pop3_mail.cli:main" in entry_points
