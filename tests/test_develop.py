"""scripts/develop's configuration folder: the blueprint must be where Home Assistant looks."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[1]
BLUEPRINTS = ROOT / "blueprints" / "automation" / "pop3_mail"


def prepare(config: Path) -> None:
    subprocess.run(
        ["bash", "-c", '. scripts/lib/dev-config.sh && prepare_dev_config "$1"', "-", str(config)],
        cwd=ROOT,
        check=True,
    )


def test_home_assistant_finds_the_blueprint(tmp_path: Path) -> None:
    prepare(tmp_path)
    folder = tmp_path / "blueprints" / "automation"
    # How Home Assistant's blueprint search lists files (components/blueprint/models.py):
    # a symlinked folder is not followed on Python 3.13, a copied one is found.
    found = sorted(path.relative_to(folder) for path in folder.glob("**/*.yaml"))
    assert found == sorted(
        Path("pop3_mail") / path.relative_to(BLUEPRINTS) for path in BLUEPRINTS.glob("*.yaml")
    )
    assert not (folder / "pop3_mail").is_symlink()
    assert (tmp_path / "automations.yaml").read_text() == "[]\n"


def test_the_copy_stays_current(tmp_path: Path) -> None:
    prepare(tmp_path)
    stale = tmp_path / "blueprints" / "automation" / "pop3_mail" / "notify_on_mail.yaml"
    stale.write_text("stale")
    (tmp_path / "automations.yaml").write_text("- id: mine\n")
    prepare(tmp_path)
    assert stale.read_text() == (BLUEPRINTS / "notify_on_mail.yaml").read_text()
    assert (tmp_path / "automations.yaml").read_text() == "- id: mine\n"  # the user's, kept
