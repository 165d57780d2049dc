"""The README keeps its promise: two commands, both real, and links that lead somewhere."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import yaml

from tests.daemon.helpers import DaemonProcess, mail, new_web_port
from tests.support.dovecot import DovecotServer, MailUser

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RUN_COMMAND = "scripts/pop3-mail run --config pop3-mail.yaml"
TEST_COMMAND = "scripts/test"


def shell_blocks(markdown: str) -> list[str]:
    """The contents of the fenced ``sh`` blocks of a Markdown document."""
    return [
        block.strip()
        for block in re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", markdown, re.M | re.S)
    ]


def test_readme_has_exactly_the_two_commands() -> None:
    assert shell_blocks(README.read_text(encoding="utf-8")) == [RUN_COMMAND, TEST_COMMAND]


def test_ci_runs_the_readme_test_command() -> None:
    commands = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert commands[-1] == f"exec {TEST_COMMAND}"
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
    assert os.access(ROOT / TEST_COMMAND, os.X_OK)
    assert os.access(ROOT / "scripts" / "pop3-mail", os.X_OK)


def test_relative_links_in_the_documentation_resolve() -> None:
    documents = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "addon" / "DOCS.md"]
    broken = []
    for document in documents:
        for target in re.findall(r"\]\(([^)\s]+)\)", document.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (document.parent / target.split("#", 1)[0]).resolve()
            if not path.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert broken == []


async def test_the_run_command_watches_a_mailbox(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    """The README's run command, verbatim, with the example configuration pointed at Dovecot."""
    config = yaml.safe_load((ROOT / "examples" / "pop3-mail.yaml").read_text(encoding="utf-8"))
    account = config["accounts"][0]
    del account["password_env"]
    account.update(
        host="127.0.0.1",
        port=dovecot.pop3s_port,
        cafile=dovecot.cafile,
        username=mail_user.username,
        password=mail_user.password,
    )
    del config["mqtt"]  # "Leave the whole section out to run without MQTT"
    del config["rules"]  # the example's rule publishes to MQTT and pushes to ntfy.sh
    web_port = new_web_port()
    config["web"]["port"] = web_port
    (tmp_path / "pop3-mail.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    mail_user.deliver(mail("Already there"))

    log = tmp_path / "daemon.log"
    daemon = DaemonProcess(tmp_path / "pop3-mail.yaml", web_port, log)
    with log.open("ab") as output:
        daemon.process = subprocess.Popen(
            [str(ROOT / "scripts" / "pop3-mail"), *RUN_COMMAND.split()[1:]],
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        await daemon.wait_healthy()
        baseline = await daemon.polled("home")
        assert (baseline["messages"], baseline["unread"]) == (1, 0)
        mail_user.deliver(mail("Zugestellt: your parcel"))
        await daemon.check("home")
        account_status = await daemon.account("home")
        assert (account_status["messages"], account_status["unread"]) == (2, 1)
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(15) == 0
    finally:
        daemon.stop()
    # The example's relative state_dir lives next to the configuration file.
    assert (tmp_path / "state").is_dir()
    assert mail_user.password not in daemon.output()
