"""A TCP proxy for benchmarks: counts bytes and turns per connection, and can add latency.

It forwards raw TCP, so TLS passes through untouched and the counts are what a network would
carry (TLS records and handshake included). A server *turn* starts whenever the server sends
after the client spoke: an answer the client waited for, i.e. one round trip. A lone TLS 1.3
alert record (the ``close_notify`` both sides send at the end, at the same moment) is counted
in bytes but starts no turn: which of the two arrives first is a race, not a round trip. Nor does
anything the server sends after the client began to close (sent its ``close_notify`` or closed
its side: an answer to a ``QUIT`` that the client did not wait for): nobody waits for it. The delay
is added to every chunk in both directions without limiting bandwidth (chunks in flight
overlap), like a long link rather than a slow one. The TCP handshake itself is not delayed:
the proxy accepts locally, so a real link costs one more round trip than shown here.

Runs as its own process (so its work is not counted as the client's CPU time)::

    python bench/latency_proxy.py --target-port 995 --delay-ms 20

It prints ``{"listening": port}``, then one JSON line per finished connection, and exits when
its standard input closes. :class:`ProxyProcess` starts and reads it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Self

_READ_SIZE = 64 * 1024
_CLIENT, _SERVER = "client", "server"
_TLS13_ALERT = bytes.fromhex("1703030013")
"""Header of an encrypted TLS 1.3 alert record: 2 alert bytes + content type + 16-byte tag."""
_TLS13_ALERT_SIZE = len(_TLS13_ALERT) + 0x13


@dataclass(slots=True)
class ConnectionCounts:
    """What one proxied connection carried."""

    client_bytes: int = 0
    """Bytes the client sent (towards the server)."""
    server_bytes: int = 0
    """Bytes the server sent (towards the client)."""
    client_turns: int = 0
    """Times the client started sending (first, or after the server had spoken)."""
    server_turns: int = 0
    """Times the server started sending (first, or after the client had spoken): the answers
    the client waited for, i.e. the round trips."""
    seconds: float = 0.0
    """From accept to both directions closed."""


class _Link:
    """One proxied connection: two pumps, each with an optional delay line."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.counts = ConnectionCounts()
        self._last: str | None = None
        self.client_closed = False
        """The client began to close: what the server sends now, nobody waits for."""

    def note(self, direction: str, data: bytes) -> None:
        """Count a chunk as it arrives at the proxy (before any delay)."""
        counts = self.counts
        if direction == _CLIENT:
            counts.client_bytes += len(data)
            if _ends_with_alert(data):
                self.client_closed = True
        else:
            counts.server_bytes += len(data)
        if _is_lone_alert(data) or self._last == direction:
            return
        if direction == _SERVER and self.client_closed:
            return
        if direction == _CLIENT:
            counts.client_turns += 1
        else:
            counts.server_turns += 1
        self._last = direction

    async def pump(
        self, direction: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Forward one direction until EOF, then half-close the other side."""
        loop = asyncio.get_running_loop()
        line: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        sender = asyncio.create_task(self._deliver(line, writer))
        try:
            while data := await reader.read(_READ_SIZE):
                self.note(direction, data)
                line.put_nowait((loop.time() + self.delay, data))
        except OSError:
            pass
        finally:
            if direction == _CLIENT:
                self.client_closed = True
            line.put_nowait((loop.time() + self.delay, b""))  # EOF travels with the same delay
            await sender

    async def _deliver(
        self, line: asyncio.Queue[tuple[float, bytes]], writer: asyncio.StreamWriter
    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due, data = await line.get()
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            try:
                if not data:
                    if writer.can_write_eof() and not writer.is_closing():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
            except OSError:
                return


def _is_lone_alert(data: bytes) -> bool:
    return len(data) == _TLS13_ALERT_SIZE and data.startswith(_TLS13_ALERT)


def _ends_with_alert(data: bytes) -> bool:
    return data[-_TLS13_ALERT_SIZE:].startswith(_TLS13_ALERT)


async def _serve(target_host: str, target_port: int, delay: float) -> None:
    async def handle(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        started = time.monotonic()
        link = _Link(delay)
        try:
            server_reader, server_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            link.pump(_CLIENT, client_reader, server_writer),
            link.pump(_SERVER, server_reader, client_writer),
        )
        for writer in (client_writer, server_writer):
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        link.counts.seconds = round(time.monotonic() - started, 4)
        print(json.dumps(asdict(link.counts)), flush=True)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"listening": port}), flush=True)
    # The parent keeps our standard input open; when it goes away (or dies), we stop.
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    async with server:
        await stdin.read()


class ProxyProcess:
    """The proxy in a child process, driven from synchronous benchmark code."""

    def __init__(
        self, target_port: int, *, delay_ms: float, target_host: str = "127.0.0.1"
    ) -> None:
        """Start the proxy in front of ``target_host:target_port``; see :attr:`port`."""
        self.delay_ms = delay_ms
        self._process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--target-host",
                target_host,
                "--target-port",
                str(target_port),
                "--delay-ms",
                str(delay_ms),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port: int = json.loads(self._readline())["listening"]

    def _readline(self) -> str:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the latency proxy exited (code {self._process.wait()})")
        return line

    def next_connection(self) -> ConnectionCounts:
        """Counts of the next connection to finish (blocks until it has)."""
        return ConnectionCounts(**json.loads(self._readline()))

    def stop(self) -> None:
        """Close its standard input and wait for it to exit."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        assert self._process.stdout is not None
        self._process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main() -> None:
    """Run the proxy until standard input closes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-host", default="127.0.0.1")
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="one-way delay per direction")
    args = parser.parse_args()
    asyncio.run(_serve(args.target_host, args.target_port, args.delay_ms / 1000))


if __name__ == "__main__":
    main()
