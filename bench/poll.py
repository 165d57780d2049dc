"""What one poll of a big mailbox costs: the engine against a plain poplib client, side by side.

Run from the repository root: ``.venv/bin/python bench/poll.py`` (``--help`` for the knobs;
``--json`` also writes every sample to ``bench/results/``). It starts a real Dovecot (the test
suite's), fills a Maildir with 5,000 realistic messages and another with 50,000 (``--messages``)
and, after each one's baseline poll, measures:

* **0 new**: a poll that finds nothing new (the common case, every few minutes);
* **N new** (50): a poll that summarises N new messages from ``TOP n 20``.

Each scenario runs for ``Mailbox.poll`` (one session: login on the remembered capabilities, the
quick check or the listing pipelined with ``CAPA``, the ``TOP``\\ s pipelined) and for
:mod:`poplib_poller` (one command per round trip), in three ways:
straight to Dovecot on loopback (wall and CPU time), through :mod:`latency_proxy` without
delay (bytes on the wire), and through it with a delay each way (round trips, and wall time
as across the internet). Wall and CPU times are medians; CPU is this process's (threads
included), not Dovecot's or the proxy's. Before every run both implementations start from the
same state: the baseline's UIDs known, the last poll's ``latest`` cached and, for the engine,
the baseline's listing and the server's capabilities remembered, as in a long-running daemon.
Performance claims come from here, never from timed tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import poplib
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support (the Dovecot runner) and bench.* from anywhere

from bench.latency_proxy import ConnectionCounts, ProxyProcess  # noqa: E402
from bench.mail_corpus import realistic_messages, write_to_maildir  # noqa: E402
from bench.poplib_poller import PoplibPoller  # noqa: E402
from pop3_mail.listing_cache import listing_source  # noqa: E402
from pop3_mail.mailbox import Mailbox, PollOptions  # noqa: E402
from pop3_mail.pop3.profile import server_key  # noqa: E402
from pop3_mail.settings import Security, ServerSettings  # noqa: E402
from pop3_mail.state_store import JsonFileStore  # noqa: E402
from tests.support.dovecot import (  # noqa: E402
    DovecotServer,
    MailUser,
    remove_dovecot,
    start_dovecot,
)

IMPLEMENTATIONS = ("engine", "poplib")
DIRECT, PROXY, DELAYED = "direct", "proxy", "delayed"


@dataclass(slots=True)
class Sample:
    """One measured poll."""

    wall: float
    cpu: float
    new: int
    wire: ConnectionCounts | None = None
    """Counted by the proxy (``None`` when connected directly)."""
    pop3: dict[str, float | int] | None = None
    """The engine's own counters (POP3 layer, after TLS)."""


@dataclass(slots=True)
class Cell:
    """Samples of one implementation in one scenario and mode."""

    samples: list[Sample] = field(default_factory=list)

    def median(self, value: Callable[[Sample], float]) -> float:
        """Median of ``value`` over the samples."""
        return statistics.median(value(sample) for sample in self.samples)


Results = dict[str, dict[str, dict[str, Cell]]]
"""scenario → implementation → mode → samples."""


class PollBench:
    """One Dovecot maildrop and both pollers, ready to measure."""

    def __init__(self, server: DovecotServer, user: MailUser, args: argparse.Namespace) -> None:
        """Measure polls of ``user``'s maildrop on ``server``."""
        self.server = server
        self.user = user
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="pop3mail-bench-"))
        self.context = ssl.create_default_context(cafile=server.cafile)
        self.options = PollOptions(top_lines=args.top_lines, max_new_per_poll=max(50, args.new))
        self.runner = asyncio.Runner()
        self.snapshot = b""
        """Engine state after the baseline poll: every run starts from it."""
        self.known: set[str] = set()

    def close(self) -> None:
        """Stop the event loop and remove the state files."""
        self.runner.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _settings(self, port: int) -> ServerSettings:
        return ServerSettings(
            host=self.server.host,
            port=port,
            username=self.user.username,
            password=self.user.password,
            security=Security.SSL,
        )

    def probe(self) -> tuple[int, str]:
        """``STAT`` over poplib (Dovecot picks up newly delivered mail); count, TLS version."""
        client = poplib.POP3_SSL(
            self.server.host, self.server.pop3s_port, context=self.context, timeout=120
        )
        try:
            client.user(self.user.username)
            client.pass_(self.user.password)
            count, _ = client.stat()
            sock = client.sock
            version = (sock.version() if isinstance(sock, ssl.SSLSocket) else None) or "?"
            client.quit()
        finally:
            client.close()
        return count, version

    def baseline(self) -> float:
        """The first poll (records every UID, announces nothing); its wall time."""
        store = self.workdir / "baseline.json"
        mailbox = Mailbox(
            self._settings(self.server.pop3s_port),
            JsonFileStore(store),
            self.options,
            ssl_context=self.context,
        )
        started = time.perf_counter()
        result = self.runner.run(mailbox.poll())
        elapsed = time.perf_counter() - started
        assert result.baseline, "the first poll must be the baseline"
        self.snapshot = store.read_bytes()
        state = json.loads(self.snapshot)
        self.known = {*state["acknowledged"], *state["unacknowledged"]}
        return elapsed

    def engine_poll(self, port: int) -> Sample:
        """One ``Mailbox.poll`` from the baseline state."""
        store = self.workdir / "engine.json"
        settings = self._settings(port)
        state = json.loads(self.snapshot)
        # The baseline listed the maildrop and learned the server's capabilities on Dovecot's
        # own port; a daemon always polls the same address, so both are taken as learned on
        # this one (the proxy's).
        state["server"]["server"] = server_key(settings)
        state["listing"]["source"] = listing_source(settings)
        store.write_text(json.dumps(state))
        mailbox = Mailbox(settings, JsonFileStore(store), self.options, ssl_context=self.context)
        # A long-running daemon has its state in memory already: load it before the clock runs.
        self.runner.run(mailbox.acknowledge())
        wall, cpu = time.perf_counter(), time.process_time()
        result = self.runner.run(mailbox.poll())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return Sample(wall, cpu, len(result.new_messages), pop3=result.timings.as_dict())

    def poplib_poll(self, port: int) -> Sample:
        """One :class:`PoplibPoller` poll from the baseline state."""
        poller = PoplibPoller(
            host=self.server.host,
            port=port,
            username=self.user.username,
            password=self.user.password,
            context=self.context,
            state_path=self.workdir / "poplib.json",
            top_lines=self.args.top_lines,
            max_new=self.options.max_new_per_poll,
            known=set(self.known),
        )
        wall, cpu = time.perf_counter(), time.process_time()
        summaries = poller.poll()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return Sample(wall, cpu, len(summaries))

    def measure(self, scenario: str, expected_new: int, results: Results) -> None:
        """Every implementation in every mode: one warm-up, then ``--runs`` measured polls."""
        polls = {"engine": self.engine_poll, "poplib": self.poplib_poll}
        for mode in (DIRECT, PROXY, DELAYED):
            with _connection(self.server.pop3s_port, mode, self.args.delay_ms) as (port, proxy):
                for run in range(-1, self.args.runs):
                    # Alternate who goes first, so neither always meets the warmer server.
                    order = IMPLEMENTATIONS if run % 2 == 0 else IMPLEMENTATIONS[::-1]
                    for name in order:
                        sample = polls[name](port)
                        if proxy is not None:
                            sample.wire = proxy.next_connection()
                        if sample.new != expected_new:
                            raise RuntimeError(
                                f"{name} found {sample.new} new messages, expected {expected_new}"
                            )
                        if run >= 0:
                            results[scenario][name].setdefault(mode, Cell()).samples.append(sample)


@contextmanager
def _connection(
    server_port: int, mode: str, delay_ms: float
) -> Iterator[tuple[int, ProxyProcess | None]]:
    """The port to poll in ``mode``, and the proxy that counts (``None`` when direct)."""
    if mode == DIRECT:
        yield server_port, None
        return
    with ProxyProcess(server_port, delay_ms=delay_ms if mode == DELAYED else 0) as proxy:
        yield proxy.port, proxy


def machine() -> dict[str, str]:
    """Facts about where the numbers came from."""
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    dovecot = subprocess.run(
        [shutil.which("dovecot") or "/usr/sbin/dovecot", "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpu": f"{os.cpu_count()} x {cpu}",
        "memory": f"{int(memory) // 1024 // 1024} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "openssl": ssl.OPENSSL_VERSION,
        "dovecot": dovecot,
        # Other work on the machine skews timings: say how busy it was when the run started.
        "load average": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


ROWS: list[tuple[str, str, Callable[[Cell], float], str]] = [
    ("wall, loopback", DIRECT, lambda c: c.median(lambda s: s.wall * 1e3), "ms"),
    ("CPU, loopback", DIRECT, lambda c: c.median(lambda s: s.cpu * 1e3), "ms"),
    ("bytes client → server", PROXY, lambda c: c.median(lambda s: _wire(s).client_bytes), ""),
    ("bytes server → client", PROXY, lambda c: c.median(lambda s: _wire(s).server_bytes), ""),
    # Counted on the delayed link: without delay, an answer the client no longer waits for
    # (the engine's QUIT) may reach the proxy before the client's close does (a race, no wait).
    ("round trips", DELAYED, lambda c: c.median(lambda s: _wire(s).server_turns), ""),
    ("wall, proxy +0 ms", PROXY, lambda c: c.median(lambda s: s.wall * 1e3), "ms"),
    ("wall, proxy +{delay} ms each way", DELAYED, lambda c: c.median(lambda s: s.wall * 1e3), "ms"),
    ("CPU, proxy +{delay} ms each way", DELAYED, lambda c: c.median(lambda s: s.cpu * 1e3), "ms"),
]


def _wire(sample: Sample) -> ConnectionCounts:
    assert sample.wire is not None
    return sample.wire


def table(results: Results, delay_ms: float) -> list[list[str]]:
    """Rows of the result table (first row: header)."""
    scenarios = list(results)
    header = ["", *(f"{scenario}: {name}" for scenario in scenarios for name in IMPLEMENTATIONS)]
    rows = [header]
    for label, mode, value, unit in ROWS:
        cells = [
            _format(value(results[scenario][name][mode]), unit)
            for scenario in scenarios
            for name in IMPLEMENTATIONS
        ]
        rows.append([label.format(delay=f"{delay_ms:g}"), *cells])
    return rows


def _format(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    return f"{value:,.0f}"


def print_table(rows: list[list[str]]) -> None:
    """A Markdown table, aligned for the terminal too."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        cells = [
            row[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        print("| " + " | ".join(cells) + " |")
        if index == 0:
            print(
                "|"
                + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths))
                + "|"
            )


def main() -> None:
    """Set up each mailbox, run both scenarios on it, print one table per mailbox."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--messages",
        type=int,
        nargs="+",
        default=[5000, 50000],
        help="mailbox sizes, one mailbox each (default 5000 50000)",
    )
    parser.add_argument("--new", type=int, default=50, help="new messages in scenario 2 (50)")
    parser.add_argument("--runs", type=int, default=7, help="measured polls per cell (7)")
    parser.add_argument("--delay-ms", type=float, default=20, help="one-way delay (20)")
    parser.add_argument("--top-lines", type=int, default=20, help="body lines per TOP (20)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated mail")
    parser.add_argument(
        "--json",
        nargs="?",
        const="",
        metavar="PATH",
        help="also write every sample as JSON (default path: bench/results/poll-<time>.json)",
    )
    args = parser.parse_args()
    command = " ".join([".venv/bin/python", "bench/poll.py", *sys.argv[1:]])
    facts = machine()
    print(f"command: {command}")
    for key, value in facts.items():
        print(f"{key}: {value}")

    mailboxes: dict[int, Results] = {}
    with ExitStack() as stack:
        server = start_dovecot()
        stack.callback(remove_dovecot, server)
        for messages in args.messages:
            mailboxes[messages] = _measure_mailbox(stack, server, messages, args)

    tables = {}
    for messages, results in mailboxes.items():
        print(f"\n{messages:,} messages: median of {args.runs} runs; TOP n {args.top_lines}")
        tables[messages] = table(results, args.delay_ms)
        print_table(tables[messages])
    if args.json is not None:
        _write_json(args, command, facts, mailboxes, tables)


def _measure_mailbox(
    stack: ExitStack, server: DovecotServer, messages: int, args: argparse.Namespace
) -> Results:
    """A maildrop of ``messages`` on ``server``, both scenarios measured on it."""
    user = server.add_user(f"bench{messages}")
    started = time.perf_counter()
    count, size = write_to_maildir(user, realistic_messages(messages, seed=args.seed))
    elapsed = time.perf_counter() - started
    print(f"mailbox: {count:,} messages, {size / 1e6:.0f} MB, written in {elapsed:.1f} s")
    bench = PollBench(server, user, args)
    stack.callback(bench.close)
    listed, tls = bench.probe()
    assert listed == count, f"Dovecot lists {listed} of {count} messages"
    print(f"TLS: {tls}; baseline poll: {bench.baseline():.2f} s")

    results: Results = {}
    first, second = "0 new", f"{args.new} new"
    results[first] = {name: {} for name in IMPLEMENTATIONS}
    bench.measure(first, 0, results)
    write_to_maildir(user, realistic_messages(args.new, seed=args.seed + 1))
    bench.probe()
    results[second] = {name: {} for name in IMPLEMENTATIONS}
    bench.measure(second, args.new, results)
    return results


def _write_json(
    args: argparse.Namespace,
    command: str,
    facts: dict[str, str],
    mailboxes: dict[int, Results],
    tables: dict[int, list[list[str]]],
) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = Path(args.json) if args.json else ROOT / "bench" / "results" / f"poll-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "command": command,
        "machine": facts,
        "options": vars(args),
        "mailboxes": {
            str(messages): {
                "table": tables[messages],
                "samples": {
                    scenario: {
                        name: {
                            mode: [asdict(s) for s in cell.samples] for mode, cell in modes.items()
                        }
                        for name, modes in by_name.items()
                    }
                    for scenario, by_name in results.items()
                },
            }
            for messages, results in mailboxes.items()
        },
    }
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"\nsamples written to {path}")


if __name__ == "__main__":
    main()
