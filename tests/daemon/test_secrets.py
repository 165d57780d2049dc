"""Secrets never reach the daemon's output: log lines, tracebacks, the status API."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest

from tests.daemon.conftest import Launch
from tests.daemon.helpers import account, mail
from tests.support.dovecot import DovecotServer
from tests.support.mosquitto import MosquittoBroker
from tests.support.ports import free_port

POP3_PASSWORD = "pop-Qv81-secret"
WRONG_PASSWORD = "wrong-Kx72-secret"
MQTT_PASSWORD = "mqtt-Pw55-secret"
HOOK_TOKEN = "tok3n-Hx93-secret"


def test_uncaught_errors_and_warnings_are_masked() -> None:
    """What Python would print itself (thread, finaliser, warning, main) goes through the mask."""
    program = textwrap.dedent(
        """
        import threading, warnings
        from pop3_mail_daemon.log_masking import configure_logging, log_uncaught

        configure_logging("info", ["s3cret-pw"])
        log_uncaught()
        warnings.warn("warned about s3cret-pw", stacklevel=1)

        def fail():
            raise ValueError("thread saw s3cret-pw")

        thread = threading.Thread(target=fail, name="worker")
        thread.start()
        thread.join()

        class Leaky:
            def __del__(self):
                raise RuntimeError("finaliser saw s3cret-pw")

        Leaky()
        raise RuntimeError("main saw s3cret-pw")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, timeout=60
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "s3cret-pw" not in output
    for masked in ("warned about ***", "thread saw ***", "finaliser saw ***", "main saw ***"):
        assert masked in output
    assert "Uncaught exception in thread worker" in output
    assert output.count("Traceback (most recent call last)") == 3


@pytest.mark.dovecot
@pytest.mark.mosquitto
async def test_no_secret_in_the_output_of_a_daemon_at_debug_level(
    tmp_path: Path, dovecot: DovecotServer, mosquitto: MosquittoBroker, launch: Launch
) -> None:
    """Logins (good and failing), the broker login and a failing notification, all at debug."""
    good = dovecot.add_user(password=POP3_PASSWORD)
    other = dovecot.add_user(password="other-Lm27-secret")
    broker_password = tmp_path / "mqtt-password"
    broker_password.write_text(MQTT_PASSWORD + "\n")
    unreachable = f"json://127.0.0.1:{free_port()}/{HOOK_TOKEN}"
    rules = [{"name": "hook", "actions": [{"notify": {"urls": [unreachable]}}]}]
    daemon = await launch(
        [
            account("home", dovecot, good),
            account("broken", dovecot, other, password=WRONG_PASSWORD),
        ],
        rules=rules,
        mqtt={"username": "mqtt-user", "password_file": str(broker_password)},
    )
    await daemon.polled("home")
    broken = await daemon.polled("broken")
    assert broken["status"] == "auth_failed"
    good.deliver(mail("Parcel"))
    await daemon.check("home")
    home = await daemon.account("home")
    assert home["delivery"]["failed"] == 1  # the notification failed; its error is shown
    assert home["delivery"]["last_error"]

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{daemon.url}/api/status") as response:
            status_json = await response.text()
        async with session.get(f"{daemon.url}/") as response:
            page = await response.text()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0

    output = daemon.output()
    assert "DEBUG" in output  # the test looked at the most talkative level
    assert "***" in output  # and the notification URL's token was there to be masked
    for secret in (POP3_PASSWORD, WRONG_PASSWORD, MQTT_PASSWORD, HOOK_TOKEN):
        assert secret not in output, secret
        assert secret not in status_json, secret
        assert secret not in page, secret
