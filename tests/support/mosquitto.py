"""A real Mosquitto broker on loopback that tests can stop and restart on the same port."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .binaries import require_binary
from .ports import free_port, wait_for_port


@dataclass
class MosquittoBroker:
    """A broker with anonymous access on 127.0.0.1:``port`` and persistence on disk."""

    workdir: Path
    port: int
    host: str = "127.0.0.1"
    _process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        """Whether the broker process is up."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start (or restart) the broker and wait until it accepts connections."""
        binary = require_binary("mosquitto", "mosquitto")
        config = self.workdir / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.workdir}/\n"
            f"log_dest file {self.workdir}/mosquitto.log\n"
            "log_type all\n"
            "max_queued_messages 10000\n"
        )
        with (self.workdir / "mosquitto.stderr").open("ab") as stderr:
            self._process = subprocess.Popen(
                [binary, "-c", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            raise RuntimeError(
                "Mosquitto did not start: "
                + (self.workdir / "mosquitto.stderr").read_text(errors="replace")
            ) from None

    def stop(self) -> None:
        """Stop the broker (it keeps its port number for a restart)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


def start_mosquitto() -> MosquittoBroker:
    """Start a broker in a fresh work directory."""
    broker = MosquittoBroker(
        workdir=Path(tempfile.mkdtemp(prefix="pop3mail-mosquitto-")), port=free_port()
    )
    broker.workdir.chmod(0o755)
    broker.start()
    return broker


def remove_mosquitto(broker: MosquittoBroker) -> None:
    """Stop the broker and delete its files."""
    broker.stop()
    shutil.rmtree(broker.workdir, ignore_errors=True)
