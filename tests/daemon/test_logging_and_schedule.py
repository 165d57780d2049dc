"""Secret masking in logs, the poll schedule, and the shipped example configuration."""

from __future__ import annotations

import io
import logging
import random
import shutil
from pathlib import Path

import pytest

from pop3_mail_daemon.cli import main
from pop3_mail_daemon.log_masking import (
    MASK,
    MaskingFormatter,
    SecretMask,
    configure_logging,
    secret_fragments,
)
from pop3_mail_daemon.schedule import MAX_BACKOFF, effective_interval, first_delay, next_delay

ROOT = Path(__file__).resolve().parents[2]


def test_url_secrets_are_masked_in_parts() -> None:
    fragments = secret_fragments("tgram://123456:ABCdefGHI/987654321?format=markdown")
    assert {"123456:ABCdefGHI", "987654321", "markdown"} <= fragments
    fragments = secret_fragments("mailto://someone:p%40ssw0rd@gmail.com")
    assert "p@ssw0rd" in fragments
    assert "p%40ssw0rd" in fragments
    assert "gmail.com" not in fragments  # a real host name is not a token
    assert secret_fragments("hunter2") == {"hunter2"}


def test_formatter_masks_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        MaskingFormatter("%(message)s", ["hunter2", "ntfys://ntfy.sh/s3cret-topic"])
    )
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("login with %s failed", "hunter2")
        logger.warning("posting to ntfys://ntfy.sh/s3cret-topic failed")
        logger.warning("apprise said: topic s3cret-topic unreachable")
        try:
            raise ValueError("password hunter2 rejected")
        except ValueError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "hunter2" not in text
    assert "s3cret-topic" not in text
    assert text.count(MASK) == 5
    assert "ValueError: password *** rejected" in text


def test_json_documents_are_masked_throughout() -> None:
    mask = SecretMask(["json://hooks.example/tok3n-xyz", "pw-123456", ""])
    document = {"a": ["x pw-123456", {"k tok3n-xyz": 1}], "n": 5, "none": None, "t": ("pw-123456",)}
    assert mask.mask_data(document) == {
        "a": [f"x {MASK}", {f"k {MASK}": 1}],
        "n": 5,
        "none": None,
        "t": [MASK],
    }


def test_configure_logging_replaces_handlers() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    try:
        configure_logging("info", ["sekrit-value"], stream)
        logging.getLogger("pop3_mail.test").info("value sekrit-value")
        logging.getLogger("pop3_mail.test").debug("not shown")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert "INFO pop3_mail.test: value ***" in stream.getvalue()
    assert "not shown" not in stream.getvalue()


def test_interval_never_below_login_delay() -> None:
    rng = random.Random(1)
    assert effective_interval(60, None) == 60
    assert effective_interval(60, 300) == 300
    for _ in range(200):
        delay = next_delay(60, 300, rng=rng)
        assert 300 <= delay <= 330  # jitter only adds, at most 10 %
        assert 60 <= next_delay(60, None, rng=rng) <= 66
        assert 0 <= first_delay(rng) <= 2


def test_failures_back_off_up_to_an_hour() -> None:
    rng = random.Random(2)
    delays = [next_delay(60, None, failures=n, rng=rng) for n in range(1, 10)]
    assert 60 <= delays[0] <= 66
    assert 120 <= delays[1] <= 132
    assert all(MAX_BACKOFF <= delay <= MAX_BACKOFF + 30 for delay in delays[-2:])
    # A long interval is never shortened by the cap; the server's hint is respected.
    assert next_delay(7200, None, failures=5, rng=rng) >= 7200
    assert next_delay(60, None, failures=1, retry_after=600, rng=rng) >= 600


def test_example_configuration_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    example = tmp_path / "pop3-mail.yaml"
    shutil.copy(ROOT / "examples" / "pop3-mail.yaml", example)
    (tmp_path / "mqtt-password").write_text("broker\n")
    monkeypatch.setenv("HOME_POP3_PASSWORD", "pop")
    assert main(["validate", "--config", str(example)]) == 0
    out = capsys.readouterr().out
    assert "1 account(s) (home), 1 rule(s)" in out
    assert "discovery under homeassistant" in out
