"""bench/poll.py runs end to end on a tiny mailbox and counts what it should (no timing here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.binaries import require_binary

pytestmark = pytest.mark.dovecot

ROOT = Path(__file__).resolve().parent.parent
NEW = 5


def test_poll_benchmark_counts_round_trips_and_bytes(tmp_path: Path) -> None:
    require_binary("dovecot", "dovecot-pop3d")
    output = tmp_path / "poll.json"
    command = [sys.executable, str(ROOT / "bench" / "poll.py"), "--messages", "20"]
    command += ["--new", str(NEW), "--runs", "1", "--delay-ms", "1", "--json", str(output)]
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=100, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "| round trips" in completed.stdout

    samples = json.loads(output.read_text())["mailboxes"]["20"]["samples"]
    assert set(samples) == {"0 new", f"{NEW} new"}

    def wire(scenario: str, name: str, mode: str) -> dict[str, int]:
        [sample] = samples[scenario][name][mode]
        assert sample["new"] == (NEW if scenario != "0 new" else 0)
        counts: dict[str, int] = sample["wire"]
        return counts

    for scenario in samples:
        for name in ("engine", "poplib"):
            assert samples[scenario][name]["direct"][0]["wire"] is None
            proxied, delayed = wire(scenario, name, "proxy"), wire(scenario, name, "delayed")
            assert proxied["client_bytes"] > 0
            assert proxied["server_bytes"] > 0
            # The delay changes timing only, never the conversation. (Without delay the proxy
            # may count the answer to the engine's QUIT, which arrives after the engine left.)
            extra = 1 if name == "engine" else 0
            assert 0 <= proxied["server_turns"] - delayed["server_turns"] <= extra

    # poplib waits once per TOP; the engine sends them all in one pipelined batch, after the
    # full listing that the failed quick check calls for.
    poplib_extra = (
        wire(f"{NEW} new", "poplib", "delayed")["server_turns"]
        - wire("0 new", "poplib", "delayed")["server_turns"]
    )
    engine_extra = (
        wire(f"{NEW} new", "engine", "delayed")["server_turns"]
        - wire("0 new", "engine", "delayed")["server_turns"]
    )
    assert (poplib_extra, engine_extra) == (NEW, 2)
    assert wire("0 new", "engine", "delayed")["server_turns"] == 4  # TLS 2, AUTH, quick check
    engine = samples[f"{NEW} new"]["engine"]["proxy"][0]["pop3"]
    assert engine["commands"] - engine["round_trips"] >= NEW - 1
