"""``pop3-mail check`` and ``validate`` import only what they use (a fresh interpreter each).

What a command imports decides how long it takes to start (``bench/cli_start.py`` measures
it); these tests hold the line on *what*, never on how long.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.daemon.cli_check_helpers import PASSWORD_VAR, check_args
from tests.support.dovecot import DovecotServer, MailUser

NEVER_FOR_CHECK = (
    "pop3_mail_daemon.runner",
    "pop3_mail_daemon.config",
    "pop3_mail_daemon.mqtt",
    "pop3_mail_daemon.web",
    "pop3_mail.dispatch",
    "jinja2",
    "apprise",
    "paho",
    "yaml",
    "voluptuous",
    "aiohttp",  # finding a server for --email uses it; a check with --host does not
    "dns",
)
NEVER_FOR_VALIDATE = ("pop3_mail_daemon.runner", "apprise", "paho")
"""(``validate`` may look up the servers of accounts given by email: DNS and HTTP it may use.)"""

_RUN = textwrap.dedent(
    """
    import json, sys
    from pop3_mail_daemon.cli import main
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:
        code = exit.code
    print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
    """
)


def modules_after(*args: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Exit code and every module imported by one ``pop3-mail`` run."""
    process = subprocess.run(
        [sys.executable, "-c", _RUN, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    outcome = json.loads(process.stdout.splitlines()[-1])
    return outcome["code"], outcome["modules"]


def imported(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_check_imports_neither_the_daemon_nor_its_libraries(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    mail_user.deliver(b"Subject: hello\r\nFrom: a@example.org\r\n\r\nbody\r\n")
    args = check_args(dovecot.host, dovecot.pop3s_port, mail_user.username)
    env = {"PATH": "/usr/bin:/bin", PASSWORD_VAR: mail_user.password}

    code, modules = modules_after(*args, "--cafile", dovecot.cafile, env=env)

    assert code == 0
    assert "pop3_mail.pop3.client" in modules  # it did check
    assert imported(modules, NEVER_FOR_CHECK) == []


def test_help_imports_neither_the_client_nor_the_daemon() -> None:
    code, modules = modules_after("check", "--help")

    assert code == 0
    assert (
        imported(modules, (*NEVER_FOR_CHECK, "pop3_mail.pop3", "pop3_mail.mail", "asyncio")) == []
    )


def test_validate_imports_the_configuration_but_not_the_daemon(tmp_path: Path) -> None:
    config = tmp_path / "daemon.yaml"
    config.write_text("accounts: []\n")

    code, modules = modules_after("validate", "--config", str(config))

    assert code == 2  # no account: a configuration error, found by the loader
    assert "pop3_mail_daemon.config.loader" in modules
    assert imported(modules, NEVER_FOR_VALIDATE) == []
