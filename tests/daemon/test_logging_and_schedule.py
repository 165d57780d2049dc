"""Secret masking in logs, the poll schedule, and the shipped example configuration."""

from __future__ import annotations

import io
import logging
import random
import shutil
from pathlib import Path

import pytest

from pop3_mail.backoff import poll_delay
from pop3_mail_daemon.cli import main
from pop3_mail_daemon.log_masking import (
    MASK,
    MaskingFormatter,
    SecretMask,
    configure_logging,
    secret_fragments,
)
from pop3_mail_daemon.schedule import MAX_JITTER, first_delay, next_delay

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


def test_jitter_only_adds_at_most_ten_percent() -> None:
    rng = random.Random(1)
    for _ in range(200):
        assert 300 <= next_delay(300, rng=rng) <= 330
        assert 7200 <= next_delay(7200, rng=rng) <= 7200 + MAX_JITTER
        assert 0 <= first_delay(rng) <= 2


def test_failures_follow_the_engine_back_off() -> None:
    rng = random.Random(2)
    for failures in range(1, 10):
        delay = next_delay(60, failures=failures, rng=rng)
        assert poll_delay(60, failures) <= delay <= poll_delay(60, failures) * 1.1


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
