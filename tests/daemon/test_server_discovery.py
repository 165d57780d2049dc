"""Accounts given by email: configuration, ``run`` (found, cached, re-checked), ``validate``
and ``check --email``, against a local DNS server and the real Dovecot."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pop3_mail.discovery import Source, discover
from pop3_mail.errors import AuthError, PermanentServerError
from pop3_mail_daemon.cli import main
from pop3_mail_daemon.config.loader import ConfigFileError, build_config
from pop3_mail_daemon.runner import Daemon, find_servers
from pop3_mail_daemon.servers import CACHE_FILE, DiscoveryCache, ServerRecheck
from tests.daemon.cli_check_helpers import PASSWORD_VAR, Outcome, assert_error, run_process_async
from tests.daemon.helpers import DaemonProcess, eventually, mail, new_web_port, write_config
from tests.support.dns_server import DnsServer
from tests.support.dovecot import GUESSABLE_NAME, DovecotServer, MailUser
from tests.support.ports import free_port

DOMAIN = GUESSABLE_NAME.removeprefix("pop.")  # dovecot.test: private by name


@pytest.fixture
async def dns() -> AsyncIterator[DnsServer]:
    server = await DnsServer().start()
    yield server
    server.stop()


def srv_to_dovecot(dns: DnsServer, dovecot: DovecotServer) -> None:
    """SRV names "localhost": the later login resolves it by itself, the certificate has it."""
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", f"0 0 {dovecot.pop3s_port} localhost.")
    dns.add("localhost", "A", "127.0.0.1")


def email_account(user: MailUser, dovecot: DovecotServer, **extra: Any) -> dict[str, Any]:
    return {
        "name": "found",
        "email": f"{user.username}@{DOMAIN}",
        "username": user.username,  # Dovecot's users have no domain part
        "password": user.password,
        "cafile": dovecot.cafile,
        "scan_interval": 3600,
        **extra,
    }


def discovery_section(dns: DnsServer) -> dict[str, Any]:
    return {"nameservers": [f"127.0.0.1:{dns.port}"], "timeout": 5}


# --- configuration ------------------------------------------------------------------------


def test_an_account_may_give_email_instead_of_host(tmp_path: Path) -> None:
    config = build_config(
        {
            "accounts": [
                {"name": "a", "email": "Jane@GMX.de", "password": "pw"},
                {"name": "b", "host": "pop.example.com", "email": "b@example.com", "password": "x"},
            ],
            "server_discovery": {"nameservers": ["127.0.0.1:5353"], "timeout": 3},
        },
        base_dir=tmp_path,
    )
    found, given = config.accounts
    assert found.settings is None
    assert found.email is not None
    assert found.email.address == "Jane@gmx.de"
    assert found.login is not None
    assert found.login.username is None  # the provider's form decides
    assert "pw" not in repr(found)
    assert given.server.username == "b@example.com"  # email is the default username
    options = config.server_discovery.options
    assert (options.timeout, str(options.nameservers[0])) == (3.0, "127.0.0.1:5353")
    assert options.allow_private_targets is False


@pytest.mark.parametrize(
    ("account", "problem"),
    [
        ({"name": "a", "password": "x"}, "accounts[0]: give host and username, or email"),
        ({"name": "a", "host": "h", "password": "x"}, "accounts[0]: username is missing"),
        ({"name": "a", "email": "a@b.de", "port": 995, "password": "x"}, "port needs host"),
        ({"name": "a", "email": "a@b.de", "security": "ssl", "password": "x"}, "security needs"),
        ({"name": "a", "email": "not-an-address", "password": "x"}, "accounts[0].email: "),
        ({"name": "a", "email": "a@[127.0.0.1]", "password": "x"}, "an IP address has no"),
    ],
)
def test_unusable_email_accounts(tmp_path: Path, account: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigFileError) as raised:
        build_config({"accounts": [account]}, base_dir=tmp_path)
    assert any(problem in line for line in raised.value.problems), raised.value.problems


def test_bad_server_discovery_settings(tmp_path: Path) -> None:
    data = {
        "accounts": [{"name": "a", "email": "a@gmx.de", "password": "x"}],
        "server_discovery": {"nameservers": ["dns.example.com"], "timeout": 0},
    }
    with pytest.raises(ConfigFileError) as raised:
        build_config(data, base_dir=tmp_path)
    problems = "\n".join(raised.value.problems)
    assert "server_discovery.nameservers[0]: 'dns.example.com' is not a nameserver" in problems
    assert "server_discovery.timeout: must be between 1 and 60" in problems


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("jane@icloud.com", "accounts[0]: iCloud Mail offers no POP3 for jane@icloud.com"),
        ("jane@outlook.com", "accounts[0]: Outlook.com accepts only OAuth sign-in"),
    ],
)
def test_validate_refuses_providers_the_daemon_cannot_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], email: str, message: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"accounts": [{"name": "a", "email": email, "password": "x"}]}))
    assert main(["validate", "--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert f"pop3-mail: error: {message}" in captured.err
    assert "note:" in captured.out  # the provider's advice is shown


def test_validate_shows_a_provider_table_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.yaml"
    account = {"name": "home", "email": "jane@web.de", "password": "secret-pw"}
    path.write_text(yaml.safe_dump({"accounts": [account]}))
    assert main(["validate", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "accounts[0] (home, jane@web.de):" in out
    assert "pop3.web.de:995 (ssl) as jane, found by the provider table (high confidence)" in out
    assert "note: WEB.DE refuses POP3 until it is enabled" in out
    assert "secret-pw" not in out
    assert not (tmp_path / "state").exists()  # validate writes nothing


# --- run, validate and check against Dovecot -----------------------------------------------


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.stop()


@pytest.mark.dovecot
async def test_run_finds_the_server_caches_it_and_uses_the_cache(
    tmp_path: Path,
    dns: DnsServer,
    dovecot: DovecotServer,
    mail_user: MailUser,
    daemons: list[DaemonProcess],
) -> None:
    srv_to_dovecot(dns, dovecot)
    web_port = new_web_port()
    config = write_config(
        tmp_path,
        [email_account(mail_user, dovecot)],
        mqtt_port=None,
        web_port=web_port,
        server_discovery=discovery_section(dns),
    )
    outcome = await run_process_async(["validate", "--config", str(config)])
    assert outcome.code == 0, outcome
    assert (
        f"localhost:{dovecot.pop3s_port} (ssl) as {mail_user.username}, found by DNS SRV "
        "records (medium confidence)"
    ) in outcome.stdout
    assert not (tmp_path / "state" / CACHE_FILE).exists()

    mail_user.deliver(mail("Already there"))
    daemon = DaemonProcess(config, web_port, tmp_path / "daemon.log")
    daemons.append(daemon)
    await daemon.start()
    status = await daemon.polled("found")
    assert (status["status"], status["messages"]) == ("ok", 1), daemon.output()
    assert (status["host"], status["port"]) == ("localhost", dovecot.pop3s_port)
    cache = tmp_path / "state" / CACHE_FILE
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    text = cache.read_text()
    assert mail_user.password not in text
    entry = json.loads(text)["servers"][f"{mail_user.username}@{DOMAIN}"]
    assert entry["server"]["source"] == "srv"
    daemon.stop()

    # Restarted without any DNS answer: the cached server is used.
    dns.silent = True
    again = DaemonProcess(config, web_port, tmp_path / "daemon-2.log")
    daemons.append(again)
    await again.start()
    status = await again.polled("found")
    assert status["status"] == "ok", again.output()
    assert "found by srv (cached)" in again.output()


@pytest.mark.dovecot
async def test_check_email_finds_the_server_and_logs_in(
    dns: DnsServer, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    srv_to_dovecot(dns, dovecot)
    mail_user.deliver(mail("Hello there"))
    args = [
        "check",
        "--email",
        f"{mail_user.username}@{DOMAIN}",
        "--username",
        mail_user.username,
        "--password-env",
        PASSWORD_VAR,
        "--cafile",
        dovecot.cafile,
        "--nameserver",
        f"127.0.0.1:{dns.port}",
    ]
    text = await run_process_async(args, password=mail_user.password)
    assert text.code == 0, text
    first = text.stdout.splitlines()[0]
    assert first == (
        f"found: localhost:{dovecot.pop3s_port} (ssl) as {mail_user.username}, found by DNS SRV "
        "records (medium confidence)"
    )
    assert "Hello there" in text.stdout
    as_json = await run_process_async([*args, "--json"], password=mail_user.password)
    assert as_json.code == 0, as_json
    report = json.loads(as_json.stdout)
    assert report["discovery"]["server"]["source"] == "srv"
    assert report["host"] == "localhost"
    assert report["message_count"] == 1
    assert mail_user.password not in as_json.stdout + as_json.stderr


async def test_check_email_without_an_answer_exits_4(dns: DnsServer) -> None:
    outcome = await run_process_async(
        [
            "check",
            "--email",
            f"jane@{DOMAIN}",
            "--password-env",
            PASSWORD_VAR,
            "--nameserver",
            f"127.0.0.1:{dns.port}",
        ],
        password="pw",
    )
    assert outcome.code == 4, outcome
    assert f"no POP3 server found for jane@{DOMAIN}: give --host" in outcome.stderr


def test_check_email_for_icloud_says_there_is_no_pop3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PASSWORD_VAR, "pw")
    code = main(["check", "--email", "jane@icloud.com", "--password-env", PASSWORD_VAR])
    captured = capsys.readouterr()
    assert code == 2
    assert "note: iCloud Mail offers no POP3, only IMAP." in captured.out
    assert "iCloud Mail offers no POP3 for jane@icloud.com" in captured.err


def test_check_email_refuses_host_only_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PASSWORD_VAR, "pw")
    code = main(["check", "--email", "j@gmx.de", "--port", "995", "--password-env", PASSWORD_VAR])
    outcome_err = capsys.readouterr().err
    assert code == 2
    assert "--port needs --host" in outcome_err
    code = main(["check", "--password-env", PASSWORD_VAR])
    assert code == 2
    assert "give --host (and --username), or --email" in capsys.readouterr().err


# --- re-checking after failed logins --------------------------------------------------------


async def test_failed_logins_find_the_server_again_at_most_hourly(
    tmp_path: Path, dns: DnsServer
) -> None:
    config = build_config(
        {
            "accounts": [
                {"name": "a", "email": f"jane@{DOMAIN}", "password": "pw", "scan_interval": 60}
            ],
            "server_discovery": discovery_section(dns),
            "state_dir": "state",
        },
        base_dir=tmp_path,
    )
    (account,) = config.accounts
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", f"0 0 995 new.{DOMAIN}.")
    dns.add(f"new.{DOMAIN}", "A", "127.0.0.1")
    now = [1000.0]
    cache = DiscoveryCache(config.state_dir)
    recheck = ServerRecheck(
        account, cache, config.server_discovery.options, checked_now=True, clock=lambda: now[0]
    )
    old = (
        build_config(
            {
                "accounts": [
                    {"name": "a", "host": f"old.{DOMAIN}", "username": "jane", "password": "pw"}
                ]
            },
            base_dir=tmp_path,
        )
        .accounts[0]
        .server
    )

    assert await recheck.after_failure(AuthError("refused"), old) is None  # just checked
    assert not dns.questions
    now[0] += 3601
    assert await recheck.after_failure(PermanentServerError("POP off"), old) is None
    assert not dns.questions  # [SYS/PERM] is not a moved server
    settings = await recheck.after_failure(AuthError("refused"), old)
    assert settings is not None
    assert (settings.host, settings.username, settings.password) == (
        f"new.{DOMAIN}",
        f"jane@{DOMAIN}",
        "pw",
    )
    assert account.email is not None
    cached = await cache.get(account.email)
    assert cached is not None
    assert cached.source is Source.SRV
    asked = sum(dns.questions.values())
    assert await recheck.after_failure(AuthError("refused"), settings) is None  # within the hour
    assert sum(dns.questions.values()) == asked
    now[0] += 3601
    assert await recheck.after_failure(AuthError("refused"), settings) is None  # same answer
    assert sum(dns.questions.values()) > asked


def test_a_bad_address_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"accounts": [{"name": "a", "email": "x", "password": "p"}]}))
    assert main(["validate", "--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_error(Outcome(2, "", captured.err), 2, "accounts[0].email:")


@pytest.mark.dovecot
async def test_a_moved_server_is_found_again_after_a_failed_login(
    tmp_path: Path, dns: DnsServer, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    config = build_config(
        {
            "accounts": [email_account(mail_user, dovecot)],
            "server_discovery": discovery_section(dns),
            "web": {"enabled": False},
            "state_dir": "state",
        },
        base_dir=tmp_path,
    )
    (account,) = config.accounts
    assert account.email is not None
    # What an earlier run found and cached: a port where nothing listens any more.
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", f"0 0 {free_port()} localhost.")
    dns.add("localhost", "A", "127.0.0.1")
    earlier = await discover(account.email, config.server_discovery.options)
    assert earlier.server is not None
    await DiscoveryCache(config.state_dir).put(account.email, earlier.server)
    # The server has moved since.
    dns.records.clear()
    srv_to_dovecot(dns, dovecot)

    found = await find_servers(config)
    assert found is not None
    resolved, rechecks = found
    assert resolved.accounts[0].server.port == earlier.server.port  # the cached answer
    daemon = Daemon(resolved, rechecks=rechecks)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    try:
        worker = daemon.workers["found"]
        await eventually(lambda: worker.status.polls >= 1 and not worker.status.polling)
        assert worker.status.health.value == "connection_failed"
        assert (worker.status.host, worker.status.port) == ("localhost", dovecot.pop3s_port)
        assert worker.mailbox.settings.port == dovecot.pop3s_port
        daemon.request_check("found")
        await eventually(lambda: worker.status.health.value == "ok")
    finally:
        stop.set()
        assert await task == 0
    cached = await DiscoveryCache(config.state_dir).get(account.email)
    assert cached is not None
    assert cached.port == dovecot.pop3s_port
