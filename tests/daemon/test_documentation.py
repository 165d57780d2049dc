"""The commented example and docs/daemon.md name exactly the keys of the configuration schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pop3_mail_daemon.config.schema import _SECTIONS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pop3-mail.yaml"
DOCS = ROOT / "docs" / "daemon.md"

# A key line, commented out or not: "  port: 995", "  # cafile: ca.pem", "  # - name: work".
KEY_LINE = re.compile(r"^(?P<lead> *)(?:# ?(?P<inner> *))?(?P<dash>- )?(?P<key>[a-z0-9_]+):(?: |$)")


def schema_keys(section: str) -> set[str]:
    return {str(key) for key in _SECTIONS[section]}


def example_keys() -> dict[str, set[str]]:
    """The keys per section (``""`` is the top level) that the example shows, comments included."""
    found: dict[str, set[str]] = {section: set() for section in _SECTIONS}
    section = ""
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = KEY_LINE.match(line)
        if match is None:
            continue
        depth = len(match["lead"]) + len(match["inner"] or "")
        if depth == 0 and match["inner"] is None:
            section = match["key"]
            found[""].add(section)
        elif section in found and section and depth in (2, 4):
            found[section].add(match["key"])
    return found


@pytest.mark.parametrize("section", list(_SECTIONS), ids=lambda name: name or "top")
def test_example_shows_every_key_and_only_known_ones(section: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    shown = example_keys()[section]
    assert shown <= schema_keys(section)  # no misspelt key, not even in a comment
    for key in schema_keys(section) - shown:
        # The rest are mentioned in a comment ("# or password_file: ...").
        assert re.search(rf"#.*\b{key}:", text), f"{section}.{key} is not in the example"


@pytest.mark.parametrize("section", list(_SECTIONS), ids=lambda name: name or "top")
def test_reference_documents_every_key(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    reference = text[text.index("## Configuration reference") : text.index("## MQTT topics")]
    if section in ("accounts", "mqtt"):
        start = reference.index(f"### `{section}`")
        part = reference[start : reference.index("\n### ", start + 1)]
        documented = set(re.findall(r"^\| `([a-z0-9_]+)`|/ `([a-z0-9_]+)`", part, re.MULTILINE))
        names = {name for pair in documented for name in pair if name}
    elif section == "web":
        names = set(re.findall(r"^\| `web\.([a-z_]+)`", reference, re.MULTILINE))
    else:
        names = set(re.findall(r"^### `([a-z_]+)`", reference, re.MULTILINE))
        names |= set(re.findall(r"^\| `([a-z_]+)` \|", reference, re.MULTILINE))
        names |= {"web"} if "web.enabled" in reference else set()
    assert schema_keys(section) <= names, schema_keys(section) - names
