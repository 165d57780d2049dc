"""The browser walk's Home Assistant: one real process for the module, on loopback."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.home_assistant import HomeAssistant, async_wait_and_onboard, start, stop
from tests.browser.walk import ARTIFACTS
from tests.support.browser import chromium_path
from tests.support.dovecot import DovecotServer, MailUser, remove_dovecot, start_dovecot


@pytest.fixture(scope="module")
def walk_dovecot() -> Iterator[DovecotServer]:
    """A Dovecot of the walk's own (its users' passwords change during the walk)."""
    server = start_dovecot()
    yield server
    remove_dovecot(server)


@pytest.fixture(scope="module")
def walk_user(walk_dovecot: DovecotServer) -> MailUser:
    """The mailbox the walk adds."""
    return walk_dovecot.add_user()


@pytest.fixture(scope="module")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    """Home Assistant with its frontend, onboarded, this repository's integration loadable.

    One process for the module: the walks build on each other (the German one opens the
    forms of the entry the English one made). Synchronous, so that it lives outside the
    tests' event loops.
    """
    chromium_path()  # fail (CI) or skip before starting anything
    hass = start(Path(tmp_path_factory.mktemp("home-assistant")))
    try:
        asyncio.run(async_wait_and_onboard(hass))
        yield hass
    finally:
        stop(hass)
        if hass.log_file.exists():  # kept with the screenshots, for a failed CI run
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(hass.log_file, ARTIFACTS / "home-assistant.log")
