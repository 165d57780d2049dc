"""Running ``pop3-mail check`` in the CLI tests: as a real process (hang-guarded) or in-process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from pop3_mail_daemon.cli import main

POP3_MAIL = Path(sys.executable).with_name("pop3-mail")
PASSWORD_VAR = "POP3_MAIL_CLI_TEST_PASSWORD"
PROCESS_LIMIT = 90.0
"""Hang guard for one CLI process; far above every ``--timeout`` the tests pass."""
ERROR_PREFIX = "pop3-mail: error: "


@dataclass(frozen=True, slots=True)
class Outcome:
    """Exit code and output of one CLI run."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Everything the command printed."""
        return self.stdout + self.stderr


def check_args(host: str, port: int, username: str, *extra: str) -> list[str]:
    """``check`` arguments with the password taken from :data:`PASSWORD_VAR`."""
    return [
        "check",
        "--host",
        host,
        "--port",
        str(port),
        "--username",
        username,
        "--password-env",
        PASSWORD_VAR,
        *extra,
    ]


def _environment(password: str | None, extra_env: Mapping[str, str] | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != PASSWORD_VAR}
    if password is not None:
        env[PASSWORD_VAR] = password
    env.update(extra_env or {})
    return env


def run_process(
    args: Sequence[str],
    *,
    password: str | None = None,
    env: Mapping[str, str] | None = None,
    command: Sequence[str] = (str(POP3_MAIL),),
    encoding: str = "utf-8",
) -> Outcome:
    """Run the installed console script; a hang fails the test through ``TimeoutExpired``.

    ``encoding`` decodes the output (it must match ``PYTHONIOENCODING`` when ``env`` sets it).
    """
    result = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        encoding=encoding,
        errors="backslashreplace",
        env=_environment(password, env),
        timeout=PROCESS_LIMIT,
        check=False,
    )
    return Outcome(result.returncode, result.stdout, result.stderr)


async def run_process_async(args: Sequence[str], *, password: str | None = None) -> Outcome:
    """Like :func:`run_process`, while the test's event loop keeps serving (fault server)."""
    process = await asyncio.create_subprocess_exec(
        str(POP3_MAIL),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_environment(password, None),
    )
    try:
        async with asyncio.timeout(PROCESS_LIMIT):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        pytest.fail(f"pop3-mail {' '.join(args)} did not finish within {PROCESS_LIMIT:g} s")
    assert process.returncode is not None
    return Outcome(
        process.returncode,
        stdout.decode("utf-8", "backslashreplace"),
        stderr.decode("utf-8", "backslashreplace"),
    )


def run_main(args: Sequence[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    """Call ``main(argv)`` in this process (set :data:`PASSWORD_VAR` with monkeypatch first)."""
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def assert_error(outcome: Outcome, code: int, *fragments: str) -> str:
    """The run failed with ``code`` and exactly one error line on stderr; returns that line."""
    assert outcome.code == code, outcome
    assert outcome.stdout == "", outcome
    assert "Traceback" not in outcome.stderr, outcome.stderr
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert outcome.stderr.endswith("\n")
    line = lines[0]
    assert line.startswith(ERROR_PREFIX), line
    assert line.strip() != ERROR_PREFIX.strip(), "the error line says nothing"
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line
