"""The add-on's s6 run script, outside Docker: options.json + a stand-in Supervisor → daemon."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.addon.supervisor import NO_SERVICE, TOKEN, broker_answer, stand_in_supervisor
from tests.daemon.helpers import account, eventually
from tests.engine.dispatch.helpers import Subscriber
from tests.support.dovecot import DovecotServer
from tests.support.mosquitto import MosquittoBroker
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "addon" / "rootfs" / "etc" / "s6-overlay" / "s6-rc.d" / "pop3-mail" / "run"

pytestmark = [pytest.mark.dovecot, pytest.mark.mosquitto]


class RunScript:
    """``bash run`` with the container paths pointed into a temporary directory."""

    def __init__(self, tmp_path: Path, options: dict[str, Any], supervisor_url: str) -> None:
        self.tmp_path = tmp_path
        self.web_port = free_port()
        self.options = tmp_path / "data" / "options.json"
        self.options.parent.mkdir()
        self.options.write_text(json.dumps(options))
        self.generated = tmp_path / "run" / "daemon.yaml"
        self.env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
            "POP3_MAIL_OPTIONS": str(self.options),
            "POP3_MAIL_CONFIG": str(self.generated),
            "POP3_MAIL_STATE_DIR": str(tmp_path / "data"),
            "POP3_MAIL_CONFIG_DIR": str(tmp_path / "config"),
            "POP3_MAIL_WEB_PORT": str(self.web_port),
            "SUPERVISOR_URL": supervisor_url,
            "SUPERVISOR_TOKEN": TOKEN,
        }
        self.process: asyncio.subprocess.Process | None = None
        self.log = tmp_path / "run.log"

    async def start(self) -> RunScript:
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                "bash", str(RUN), env=self.env, stdout=log, stderr=asyncio.subprocess.STDOUT
            )
        return self

    async def status(self) -> dict[str, Any] | None:
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{self.web_port}/api/status") as response,
            ):
                data: dict[str, Any] = await response.json()
                return data
        except aiohttp.ClientError:
            return None

    async def running(self) -> dict[str, Any]:
        found: dict[str, Any] = {}

        async def ready() -> bool:
            nonlocal found
            assert self.process is not None
            assert self.process.returncode is None, self.output()
            found = await self.status() or {}
            return bool(found) and all(a["polls"] for a in found["accounts"])

        deadline = asyncio.get_running_loop().time() + 30
        while not await ready():
            assert asyncio.get_running_loop().time() < deadline, self.output()
            await asyncio.sleep(0.1)
        return found

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 15)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


async def test_run_script_uses_the_supervisors_broker(
    tmp_path: Path, dovecot: DovecotServer, mosquitto: MosquittoBroker
) -> None:
    user = dovecot.add_user()
    options = {"accounts": [account("home", dovecot, user)], "mqtt": {}, "rules": []}
    # The stand-in answers with the test broker (anonymous; the credentials are passed along).
    answer = broker_answer(mosquitto.port, username=None, password=None)
    subscriber = Subscriber(mosquitto.port, ["pop3_mail/#", "homeassistant/#"]).start()
    try:
        async with stand_in_supervisor(answer) as supervisor:
            script = await RunScript(tmp_path, options, supervisor.url).start()
            try:
                status = await script.running()
                assert status["mqtt"]["connected"] is True
                assert status["mqtt"]["port"] == mosquitto.port
                assert supervisor.requests[0]["Authorization"] == f"Bearer {TOKEN}"
                await eventually(
                    lambda: any(m.payload == b"online" for m in subscriber.on("pop3_mail/status"))
                )
                await eventually(
                    lambda: bool(subscriber.on("homeassistant/device/pop3_mail_mqtt_home/config"))
                )
                assert script.generated.stat().st_mode & 0o777 == 0o600
                assert (tmp_path / "data" / "mailboxes").is_dir()  # state in "/data"
                assert await script.stop() == 0  # exec: the signal reaches the daemon
            finally:
                await script.kill()
    finally:
        subscriber.stop()
    output = script.output()
    assert "[pop3-mail] starting the daemon" in output
    assert user.password not in output


async def test_run_script_without_a_broker(tmp_path: Path, dovecot: DovecotServer) -> None:
    user = dovecot.add_user()
    options = {"accounts": [account("home", dovecot, user)], "mqtt": {}, "rules": []}
    async with stand_in_supervisor(NO_SERVICE, status=400) as supervisor:
        script = await RunScript(tmp_path, options, supervisor.url).start()
        try:
            status = await script.running()
            assert status["mqtt"] is None
            assert status["accounts"][0]["status"] == "ok"
            assert await script.stop() == 0
        finally:
            await script.kill()
    assert "no MQTT service" in script.output()


async def test_run_script_stops_on_bad_options(tmp_path: Path) -> None:
    options = {"accounts": [{"name": "Bad Name", "host": "h", "username": "u", "password": "p"}]}
    async with stand_in_supervisor(NO_SERVICE, status=400) as supervisor:
        script = await RunScript(tmp_path, options, supervisor.url).start()
        try:
            assert script.process is not None
            assert await asyncio.wait_for(script.process.wait(), 30) == 2
        finally:
            await script.kill()
    assert "pop3-mail: error: accounts[0].name: must be 1-32 characters" in script.output()
    assert "starting the daemon" not in script.output()
