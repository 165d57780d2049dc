"""How long the ``pop3-mail`` command takes to start: wall time of whole processes, medians.

Run from the repository root: ``.venv/bin/python bench/cli_start.py`` (``--runs`` to change
the count). Each command runs as its own process, as a user or a script would start it; the
time is from spawning to exit, so it includes the interpreter's own start (shown on its own
as ``python -c pass``) and every import the command makes. The runs of all commands are
interleaved, so a busy moment on the machine hits each of them alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POP3_MAIL = str(Path(sys.executable).with_name("pop3-mail"))

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "pop3-mail --version": [POP3_MAIL, "--version"],
    "pop3-mail check --help": [POP3_MAIL, "check", "--help"],
    "pop3-mail validate --help": [POP3_MAIL, "validate", "--help"],
    "import the check command": [sys.executable, "-c", "import pop3_mail_daemon.check"],
    "import the config loader": [sys.executable, "-c", "import pop3_mail_daemon.config.loader"],
}


def run_once(command: list[str]) -> float:
    """Wall time of one process, in seconds."""
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    """Run every command ``--runs`` times (after one warm-up each), print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="runs per command (21)")
    args = parser.parse_args()
    print("command: " + " ".join([".venv/bin/python", "bench/cli_start.py", *sys.argv[1:]]))
    print("load average: " + " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    print(f"cpus: {os.cpu_count()}; python {sys.version.split()[0]}")
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        run_once(command)  # warm-up: file system caches, .pyc files
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            samples[name].append(run_once(command))
    print(f"\nmedian of {args.runs} runs (min to max)\n")
    print("| command | median | min | max |")
    print("|---|--:|--:|--:|")
    for name, values in samples.items():
        median = statistics.median(values) * 1e3
        print(f"| `{name}` | {median:.0f} ms | {min(values) * 1e3:.0f} | {max(values) * 1e3:.0f} |")


if __name__ == "__main__":
    main()
