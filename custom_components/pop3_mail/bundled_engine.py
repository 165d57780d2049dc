"""The engine bundled in this folder, registered under its one import name ``pop3_mail``.

HACS copies only ``custom_components/pop3_mail/`` into Home Assistant, and this project
publishes nothing to a package index, so the engine travels inside the folder (``engine/``).
The daemon, the CLI and the tests import the same files as the top-level package ``pop3_mail``
(pip maps that name to ``engine/``). Registering the bundled copy under the same name before any
module of the integration imports it gives the engine a single name in every process: one set
of classes (an ``AuthError`` is the same class wherever it is caught), one logger tree
(``pop3_mail.*``) and one spelling in code and tests.

The package ``__init__`` imports this module first; nothing else needs to.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ENGINE_PACKAGE = "pop3_mail"
ENGINE_DIR = Path(__file__).resolve().parent / "engine"


def _same_engine(module: ModuleType) -> bool:
    """Whether an already imported ``pop3_mail`` is these very files (tests, a dev install)."""
    location = getattr(module, "__file__", None)
    return location is not None and Path(location).resolve().parent == ENGINE_DIR


def load_bundled_engine() -> ModuleType:
    """Make ``import pop3_mail`` resolve to the bundled engine; returns the package.

    Raises:
        ImportError: another ``pop3_mail`` was imported before the integration (say a daemon
            pip-installed into Home Assistant's environment); two engines in one process would
            fail in stranger ways later.

    """
    loaded = sys.modules.get(ENGINE_PACKAGE)
    if loaded is not None:
        if _same_engine(loaded):
            return loaded
        raise ImportError(
            f"another pop3_mail package ({getattr(loaded, '__file__', '?')}) was imported "
            "before the POP3 Mail integration, which bundles its own engine; uninstall that "
            "package from Home Assistant's environment"
        )
    # A package found by location rather than on sys.path: Home Assistant's own path stays as
    # it is, and an installed ``pop3_mail`` elsewhere cannot shadow the files of this release.
    spec = importlib.util.spec_from_file_location(
        ENGINE_PACKAGE,
        ENGINE_DIR / "__init__.py",
        submodule_search_locations=[str(ENGINE_DIR)],
    )
    if spec is None or spec.loader is None:  # pragma: no cover - a file that exists
        raise ImportError(f"cannot load the bundled engine from {ENGINE_DIR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[ENGINE_PACKAGE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[ENGINE_PACKAGE]
        raise
    return module


load_bundled_engine()
