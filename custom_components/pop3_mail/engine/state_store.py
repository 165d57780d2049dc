"""Persistence of per-account state: an interface, and a crash-safe JSON file implementation.

Home Assistant implements :class:`StateStore` with its own ``helpers.storage.Store``; the
daemon uses :class:`JsonFileStore`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from .errors import StateStoreError

__all__ = ["JsonFileStore", "StateStore", "StateStoreError", "safe_file_name", "write_atomically"]

_LOGGER = logging.getLogger(__name__)


class StateStore(Protocol):
    """Loads and saves one JSON-serialisable document."""

    async def load(self) -> dict[str, Any] | None:
        """The saved document, or ``None`` when there is none."""

    async def save(self, data: dict[str, Any]) -> None:
        """Replace the saved document atomically."""


def safe_file_name(key: str) -> str:
    """A file name for an account key (``user@host:port``) that is safe on every filesystem."""
    return re.sub(r"[^A-Za-z0-9._@-]", "_", key)[:200] + ".json"


def write_atomically(path: Path, payload: bytes) -> None:
    """Write ``payload`` so that a crash leaves either the old or the new file, never a mix.

    Temp file in the same directory, fsync, rename, fsync of the directory. Blocking. The
    file is readable by its owner only: state and outboxes hold mail summaries, configs hold
    passwords.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(descriptor, 0o600)  # a temp file left by a crash keeps its old mode
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


async def _finish_in_thread[T](func: Callable[..., T], *args: object) -> T:
    """Run ``func`` in a worker thread; when cancelled, still wait for it before raising.

    The thread cannot be stopped. Callers hold the store's lock: released early, it would let
    the next write run alongside this one, and the older document could land last.
    """
    work = asyncio.ensure_future(asyncio.to_thread(func, *args))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        await asyncio.wait([work])
        if not work.cancelled():
            work.exception()  # retrieved: the caller was cancelled and will not look
        raise


class JsonFileStore:
    """A JSON document in a file, written atomically, read and written off the event loop."""

    def __init__(self, path: Path) -> None:
        """Store the document at ``path``."""
        self.path = path
        self._lock = asyncio.Lock()

    async def load(self) -> dict[str, Any] | None:
        """Read the document; a damaged file is set aside (renamed) and ``None`` returned."""
        async with self._lock:
            return await _finish_in_thread(self._load_blocking)

    async def save(self, data: dict[str, Any]) -> None:
        """Write the document atomically."""
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        async with self._lock:
            try:
                await _finish_in_thread(write_atomically, self.path, payload)
            except OSError as err:
                raise StateStoreError(
                    f"cannot write state file {self.path}: {err.strerror}"
                ) from err

    async def remove(self) -> None:
        """Delete the document (account removed)."""
        async with self._lock:
            await _finish_in_thread(partial(self.path.unlink, missing_ok=True))

    def _load_blocking(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")  # noqa: TRY004, TRY301 - handled like bad JSON
        except ValueError as err:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            self.path.replace(aside)
            _LOGGER.warning(
                "State file %s is damaged (%s); set aside as %s, starting afresh",
                self.path,
                err,
                aside,
            )
            return None
        return data
