"""Running ``pop3-mail run`` as a subprocess against the test Dovecot and Mosquitto."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from tests.engine.dispatch.helpers import Subscriber, eventually
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.fault_server import FaultServer
from tests.support.ports import free_port

POP3_MAIL = Path(sys.executable).with_name("pop3-mail")


def mail(
    subject: str, sender: str = "Alice Example <alice@example.com>", body: str = "Hi"
) -> bytes:
    """A small RFC 5322 message."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "me@example.com"
    message["Subject"] = subject
    message["Date"] = "Wed, 01 May 2024 10:00:00 +0000"
    message["Message-ID"] = f"<{abs(hash(subject))}@example.com>"
    message.set_content(body)
    return bytes(message)


def account(name: str, dovecot: DovecotServer, user: MailUser, **extra: Any) -> dict[str, Any]:
    """An account entry for ``user`` on the test Dovecot (implicit TLS, the test CA)."""
    return {
        "name": name,
        "host": "127.0.0.1",
        "port": dovecot.pop3s_port,
        "security": "ssl",
        "cafile": dovecot.cafile,
        "username": user.username,
        "password": user.password,
        "scan_interval": 3600,  # the tests trigger polls through the API
        **extra,
    }


def scripted_account(name: str, server: FaultServer, **extra: Any) -> dict[str, Any]:
    """An account entry for the scripted fault server (plain text, its script's login)."""
    return {
        "name": name,
        "host": server.host,
        "port": server.port,
        "security": "plain",
        "allow_insecure": True,
        "username": server.script.username,
        "password": server.script.password,
        "scan_interval": 3600,
        **extra,
    }


def write_config(
    directory: Path,
    accounts: list[dict[str, Any]],
    *,
    mqtt_port: int | None,
    web_port: int,
    mqtt: dict[str, Any] | None = None,
    **extra: Any,
) -> Path:
    """A daemon configuration file in ``directory`` (state in ``directory/state``).

    ``mqtt`` adds keys to the mqtt section (a short keepalive makes the last will quick).
    """
    config: dict[str, Any] = {
        "accounts": accounts,
        "web": {"host": "127.0.0.1", "port": web_port},
        "state_dir": str(directory / "state"),
        "log_level": "debug",
        **extra,
    }
    if mqtt_port is not None:
        config["mqtt"] = {"host": "127.0.0.1", "port": mqtt_port, "keepalive": 5, **(mqtt or {})}
    path = directory / "pop3-mail.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class DaemonProcess:
    """``pop3-mail run --config FILE`` in a subprocess, with helpers to talk to its web API."""

    def __init__(self, config: Path, web_port: int, log: Path) -> None:
        self.config = config
        self.web_port = web_port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    async def start(self) -> DaemonProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(POP3_MAIL), "run", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        await self.wait_healthy()
        return self

    async def wait_healthy(self) -> None:
        async def healthy() -> bool:
            try:
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(f"{self.url}/healthz") as response,
                ):
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        deadline = time.monotonic() + 30
        while not await healthy():
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the daemon exited early:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the daemon did not become healthy:\n{self.output()}")
            await asyncio.sleep(0.1)

    async def status(self) -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.url}/api/status") as response,
        ):
            assert response.status == 200
            data: dict[str, Any] = await response.json()
            return data

    async def account(self, name: str) -> dict[str, Any]:
        status = await self.status()
        return next(entry for entry in status["accounts"] if entry["name"] == name)

    async def check(self, name: str) -> dict[str, Any]:
        """Trigger a poll and wait until it finished."""
        before = (await self.account(name))["polls"]
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/api/accounts/{name}/check") as response,
        ):
            assert response.status == 202, await response.text()
            answer: dict[str, Any] = await response.json()
        await self.polled(name, after=before)
        return answer

    async def polled(self, name: str, after: int = 0) -> dict[str, Any]:
        """Wait until ``name`` finished more than ``after`` polls since start."""
        result: dict[str, Any] = {}

        async def done() -> bool:
            nonlocal result
            result = await self.account(name)
            return int(result["polls"]) > after and not result["polling"]

        deadline = time.monotonic() + 30
        while not await done():
            if time.monotonic() > deadline:
                raise AssertionError(f"no poll of {name}:\n{self.output()}")
            await asyncio.sleep(0.1)
        return result

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        """Make sure the process is gone (test teardown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def last(subscriber: Subscriber, topic: str) -> bytes | None:
    """The payload of the last message the subscriber saw on ``topic``."""
    seen = subscriber.on(topic)
    return seen[-1].payload if seen else None


async def retained_now(port: int, topic: str) -> list[bytes]:
    """What a brand-new subscriber receives as retained on ``topic`` (fresh connection)."""
    probe = Subscriber(port, [topic]).start()
    try:
        await asyncio.sleep(0.5)  # retained messages arrive right after SUBACK
        return [seen.payload for seen in probe.on(topic) if seen.retain]
    finally:
        probe.stop()


async def wait_retained(
    port: int, topic: str, *, present: bool, timeout: float = 20.0
) -> list[bytes]:
    """Wait until ``topic`` has a retained value (``present``) or none; returns what is retained."""
    deadline = time.monotonic() + timeout
    while bool(found := await retained_now(port, topic)) != present:
        if time.monotonic() > deadline:
            raise AssertionError(f"{topic}: retained {found!r}")
    return found


def new_web_port() -> int:
    return free_port()


__all__ = [
    "DaemonProcess",
    "account",
    "eventually",
    "last",
    "mail",
    "new_web_port",
    "retained_now",
    "scripted_account",
    "wait_retained",
    "write_config",
]
