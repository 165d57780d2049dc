"""The JSON state file: atomic writes, damaged files set aside, errors that say what failed."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from pop3_mail import state_store
from pop3_mail.state_store import JsonFileStore, StateStoreError, safe_file_name, write_atomically


async def test_missing_file_loads_as_none(tmp_path: Path) -> None:
    assert await JsonFileStore(tmp_path / "nothing.json").load() is None


async def test_save_then_load_round_trips_and_creates_directories(tmp_path: Path) -> None:
    store = JsonFileStore(tmp_path / "deep" / "dir" / "state.json")
    await store.save({"seen": ["ä", "b"], "n": 1})
    assert await store.load() == {"seen": ["ä", "b"], "n": 1}
    assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]


async def test_damaged_file_is_set_aside_not_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"truncated": ')
    store = JsonFileStore(path)
    assert await store.load() is None
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1
    assert aside[0].read_text() == '{"truncated": '
    assert "damaged" in caplog.text


async def test_a_json_array_is_damage_too(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("[1, 2]")
    assert await JsonFileStore(path).load() is None


async def test_remove(tmp_path: Path) -> None:
    store = JsonFileStore(tmp_path / "state.json")
    await store.save({})
    await store.remove()
    await store.remove()  # idempotent
    assert not store.path.exists()


async def test_write_failure_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, b'{"old": true}')

    with pytest.raises(TypeError):
        write_atomically(path, "not bytes")  # type: ignore[arg-type]
    assert json.loads(path.read_bytes()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


async def test_save_error_when_the_target_is_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.mkdir()
    with pytest.raises(StateStoreError):
        await JsonFileStore(target).save({"a": 1})


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("me@pop.example.com:995", "me@pop.example.com_995.json"),
        ("../../etc/passwd", ".._.._etc_passwd.json"),
        ("a/b\\c d", "a_b_c_d.json"),
    ],
)
def test_safe_file_name(key: str, expected: str) -> None:
    assert safe_file_name(key) == expected
    assert "/" not in safe_file_name(key)


async def test_a_cancelled_save_never_overwrites_a_later_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker thread of a cancelled save cannot be stopped: the next save must wait for it."""
    first_entered = threading.Event()
    release_first = threading.Event()
    second_entered = threading.Event()
    real_write = state_store.write_atomically

    def slow_first_write(path: Path, payload: bytes) -> None:
        if b"old" in payload:
            first_entered.set()
            release_first.wait(10)
        else:
            second_entered.set()
        real_write(path, payload)

    monkeypatch.setattr(state_store, "write_atomically", slow_first_write)
    store = JsonFileStore(tmp_path / "state.json")
    first = asyncio.create_task(store.save({"old": True}))
    await asyncio.to_thread(first_entered.wait, 10)
    first.cancel()
    second = asyncio.create_task(store.save({"new": True}))
    # Give a racing second write the chance to run while the first is still held up.
    overlapped = await asyncio.to_thread(second_entered.wait, 0.5)
    release_first.set()
    await asyncio.gather(first, second, return_exceptions=True)

    assert await store.load() == {"new": True}
    assert not overlapped
    assert first.cancelled()


async def test_state_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    # They hold message identifiers and summaries (subjects, senders, snippets).
    path = tmp_path / "state.json"
    path.write_text("{}")
    path.chmod(0o644)
    previous = os.umask(0o022)
    try:
        await JsonFileStore(path).save({"latest": {"subject": "private"}})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
