"""A real Home Assistant process with its real frontend, on loopback, for the browser walk.

``hass --config DIR`` from the test venv (the pinned release, its ``home-assistant-frontend``
wheel), this repository's ``custom_components`` on ``PYTHONPATH`` (as ``scripts/develop`` does),
onboarded through the REST onboarding endpoints. The owner's tokens go into the browser's
``localStorage`` the way the frontend keeps them, so the walk starts logged in.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.ports import free_port

ROOT = Path(__file__).parents[2]
CLIENT_ID = "http://127.0.0.1/"
OWNER = {"name": "Walker", "username": "walker", "password": "walk-the-ui-1"}

CONFIGURATION = """\
homeassistant:
  name: Browser walk
  unit_system: metric
  time_zone: UTC
  country: DE
  currency: EUR
http:
  server_host: 127.0.0.1
  server_port: {port}
# What the walk needs, quickly started (no default_config: no Bluetooth, no zeroconf).
frontend:
config:
history:
logbook:
system_log:
automation: !include automations.yaml
recorder:
  db_url: sqlite:///{config}/home-assistant_v2.db
  commit_interval: 0
logger:
  default: warning
  logs:
    custom_components.pop3_mail: info
"""

FRONTEND_ERRORS = re.compile(
    r"Failed to format translation|Translation error|frontend\.js|"
    r"Error while parsing localized|Validation of translation placeholders|"
    r"(?:ERROR|CRITICAL).*(?:\[(?:custom_components\.pop3_mail|pop3_mail)|pop3_mail)",
)
"""Lines of Home Assistant's log that fail the walk (the frontend reports its own errors,
``Failed to format translation for key …`` among them, through ``system_log``)."""


@dataclass
class HomeAssistant:
    """The running process, its URL and the owner's tokens."""

    config: Path
    port: int
    process: subprocess.Popen[bytes]
    tokens: dict[str, Any] = field(default_factory=dict)
    expected_errors: list[str] = field(default_factory=list)
    """Log lines (regular expressions) the walk provokes on purpose."""

    @property
    def url(self) -> str:
        """Where the frontend is served."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        """Home Assistant's log."""
        return self.config / "home-assistant.log"

    def log_errors(self) -> list[str]:
        """Lines of the log that show a frontend or integration error."""
        if not self.log_file.exists():
            return []
        lines = self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        return [
            line
            for line in lines
            if FRONTEND_ERRORS.search(line)
            and not any(re.search(expected, line) for expected in self.expected_errors)
        ]

    def local_storage(self) -> str:
        """A script that stores the owner's tokens where the frontend looks for them."""
        stored = {
            **self.tokens,
            "hassUrl": self.url,
            "clientId": CLIENT_ID,
            "expires": 4102444800000,  # far ahead: the walk never waits for a refresh
        }
        return f"window.localStorage.setItem('hassTokens', {json.dumps(json.dumps(stored))});"

    @asynccontextmanager
    async def websocket(self) -> AsyncIterator[WebSocket]:
        """An authenticated websocket connection."""
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{self.url}/api/websocket") as ws,
        ):
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.tokens["access_token"]})
            answer = await ws.receive_json()
            assert answer["type"] == "auth_ok", answer
            yield WebSocket(ws)


@dataclass
class WebSocket:
    """Commands over Home Assistant's websocket API."""

    ws: aiohttp.ClientWebSocketResponse
    next_id: int = 1

    async def call(self, message_type: str, **data: Any) -> Any:
        """Send a command and return its result (raises on an error answer)."""
        message_id = self.next_id
        self.next_id += 1
        await self.ws.send_json({"id": message_id, "type": message_type, **data})
        while True:
            answer = await self.ws.receive_json()
            if answer.get("id") == message_id and answer["type"] == "result":
                assert answer["success"], answer
                return answer["result"]


def write_config(config: Path, port: int) -> None:
    """configuration.yaml plus what scripts/develop prepares (blueprint copy, automations)."""
    config.mkdir(parents=True, exist_ok=True)
    (config / "configuration.yaml").write_text(
        CONFIGURATION.format(port=port, config=config), encoding="utf-8"
    )
    subprocess.run(
        ["bash", "-c", '. scripts/lib/dev-config.sh && prepare_dev_config "$1"', "-", str(config)],
        cwd=ROOT,
        check=True,
    )
    # Onboarding's other steps set up integrations that reach out to the internet (text to
    # speech, weather): marked done beforehand, only the owner is created (REST, below).
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    (storage / "onboarding").write_text(
        json.dumps(
            {
                "version": 4,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["core_config", "analytics", "integration"]},
            }
        ),
        encoding="utf-8",
    )


def start(config: Path) -> HomeAssistant:
    """Start ``hass`` (returns at once; :func:`async_wait_and_onboard` waits for it)."""
    port = free_port()
    write_config(config, port)
    env = {
        **os.environ,
        # Home Assistant imports custom integrations as the package "custom_components"; with
        # none in the config folder, Python finds this repository's through PYTHONPATH.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    hass = Path(sys.executable).with_name("hass")
    process = subprocess.Popen(
        [
            str(hass),
            "--config",
            str(config),
            "--skip-pip",
            "--log-file",
            str(config / "home-assistant.log"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return HomeAssistant(config=config, port=port, process=process)


def stop(hass: HomeAssistant) -> None:
    """Stop the process (SIGTERM, as the supervisor does) and wait for it."""
    if hass.process.poll() is None:
        hass.process.send_signal(signal.SIGTERM)
        try:
            hass.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hass.process.kill()
            hass.process.wait()


async def async_wait_and_onboard(hass: HomeAssistant) -> None:
    """Wait until the frontend answers, then onboard: the owner (the rest is marked done)."""
    async with aiohttp.ClientSession() as session:
        for _attempt in range(600):  # a bounded wait for start-up, not a timing assertion
            if hass.process.poll() is not None:
                raise RuntimeError(f"hass exited:\n{tail(hass.log_file)}")
            try:
                async with session.get(f"{hass.url}/api/onboarding") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
        else:
            raise RuntimeError(f"hass did not start:\n{tail(hass.log_file)}")
        async with session.post(
            f"{hass.url}/api/onboarding/users",
            json={**OWNER, "client_id": CLIENT_ID, "language": "en"},
        ) as response:
            assert response.status == 200, await response.text()
            auth_code = (await response.json())["auth_code"]
        async with session.post(
            f"{hass.url}/auth/token",
            data={"grant_type": "authorization_code", "code": auth_code, "client_id": CLIENT_ID},
        ) as response:
            assert response.status == 200, await response.text()
            hass.tokens = await response.json()


def tail(path: Path, lines: int = 60) -> str:
    """The end of a log file, for error messages."""
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
