"""The longest time a poll blocks the event loop: 50 new messages, one of them fetched whole.

Run from the repository root: ``.venv/bin/python bench/loop_stall.py`` (``--help`` for the
knobs). In Home Assistant a poll runs on the event loop, which must never be blocked for long
at a stretch. This starts a real Dovecot with a realistic maildrop (5,000 messages), records
them as known, delivers 50 new ones (one of them with a 10 MB attachment, which the poll
fetches whole with ``RETR``, as a rule that attaches mail to a notification does) and measures
``Mailbox.poll`` with a probe task beside it: the probe sleeps 1 ms at a time and records how
late it wakes, which is how long something else held the loop.

Two configurations: the engine as shipped (mail over ``inline_summary_max_bytes`` summarised
in the executor), and everything summarised on the loop (what every poll did before).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import ssl
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.mail_corpus import (  # noqa: E402
    message_with_attachment,
    realistic_messages,
    write_to_maildir,
)
from bench.poll import machine  # noqa: E402
from pop3_mail.mail.model import MailSummary  # noqa: E402
from pop3_mail.mailbox import Mailbox, PollOptions  # noqa: E402
from pop3_mail.settings import Security, ServerSettings  # noqa: E402
from pop3_mail.state_store import JsonFileStore  # noqa: E402
from tests.support.dovecot import remove_dovecot, start_dovecot  # noqa: E402

PROBE_INTERVAL = 0.001
CONFIGURATIONS = {
    "engine (large mail in the executor)": PollOptions(top_lines=20, max_new_per_poll=50),
    "everything on the loop": PollOptions(
        top_lines=20, max_new_per_poll=50, inline_summary_max_bytes=2**62
    ),
}


@dataclass(slots=True)
class Probe:
    """How late each 1 ms sleep woke up: the loop's stalls.

    Each stall is measured twice: in wall time (what other tasks on the loop see) and in CPU
    time of the loop's thread (what the loop itself ran meanwhile). The difference is time the
    thread did not run: waiting for the GIL held by a worker thread, or not scheduled by the
    OS on a busy machine.
    """

    lags: list[tuple[float, float]] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        """Sleep and measure until ``stop`` is set."""
        while not stop.is_set():
            asked, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(PROBE_INTERVAL)
            late = max(0.0, time.perf_counter() - asked - PROBE_INTERVAL)
            self.lags.append((late, time.thread_time() - cpu))

    def longest(self) -> tuple[float, float, float]:
        """The longest stall (wall), the loop's CPU time during it, the most CPU of any stall."""
        late, cpu = max(self.lags)
        return late, cpu, max(cpu for _, cpu in self.lags)


async def measured_poll(
    mailbox: Mailbox, large: int
) -> tuple[tuple[float, float, float], float, int, bool]:
    """Stalls (see :meth:`Probe.longest`), wall time, new messages, the large one whole?"""

    def wants_full(summary: MailSummary) -> bool:
        return summary.size >= large

    await mailbox.acknowledge()  # state loaded before the clock runs, as in a running host
    probe, stop = Probe(), asyncio.Event()
    watcher = asyncio.create_task(probe.run(stop))
    await asyncio.sleep(PROBE_INTERVAL * 3)
    started = time.perf_counter()
    result = await mailbox.poll(wants_full=wants_full)
    wall = time.perf_counter() - started
    stop.set()
    await watcher
    whole = any(not message.truncated for message in result.full_messages.values())
    return probe.longest(), wall, len(result.new_messages), whole


def main() -> None:
    """Set up the maildrop, measure both configurations, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000, help="known messages (5000)")
    parser.add_argument("--new", type=int, default=50, help="new messages, the large included")
    parser.add_argument("--large-mb", type=float, default=10, help="the large one's size (10)")
    parser.add_argument("--runs", type=int, default=5, help="measured polls per configuration")
    args = parser.parse_args()
    print("command: " + " ".join([".venv/bin/python", "bench/loop_stall.py", *sys.argv[1:]]))
    for key, value in machine().items():
        print(f"{key}: {value}")

    with ExitStack() as stack:
        server = start_dovecot()
        stack.callback(remove_dovecot, server)
        user = server.add_user("bench")
        workdir = Path(tempfile.mkdtemp(prefix="pop3mail-stall-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        write_to_maildir(user, realistic_messages(args.messages, seed=1))
        settings = ServerSettings(
            host=server.host,
            port=server.pop3s_port,
            username=user.username,
            password=user.password,
            security=Security.SSL,
        )
        context = ssl.create_default_context(cafile=server.cafile)
        store = workdir / "state.json"
        runner = stack.enter_context(asyncio.Runner())
        runner.run(Mailbox(settings, JsonFileStore(store), ssl_context=context).poll())
        snapshot = store.read_bytes()
        large_size = int(args.large_mb * 1e6 * 3 / 4)  # base64 makes 4 bytes of 3
        half = (args.new - 1) // 2
        write_to_maildir(user, realistic_messages(half, seed=2))
        _, large_bytes = write_to_maildir(user, iter([message_with_attachment(large_size)]))
        write_to_maildir(user, realistic_messages(args.new - 1 - half, seed=3))
        print(f"maildrop: {args.messages:,} known + {args.new} new, one of {large_bytes:,} bytes")

        rows = []
        for name, options in CONFIGURATIONS.items():
            stalls: list[tuple[float, float, float]] = []
            walls: list[float] = []
            for run in range(-1, args.runs):
                store.write_bytes(snapshot)
                mailbox = Mailbox(settings, JsonFileStore(store), options, ssl_context=context)
                stall, wall, new, whole = runner.run(measured_poll(mailbox, large_bytes // 2))
                if new != args.new or not whole:
                    raise RuntimeError(f"{name}: {new} new, large one whole: {whole}")
                if run >= 0:
                    stalls.append((stall[0] * 1e3, stall[1] * 1e3, stall[2] * 1e3))
                    walls.append(wall * 1e3)
            rows.append((name, stalls, statistics.median(walls)))
            shown = [f"{late:.1f} ({cpu:.1f})" for late, cpu, _ in stalls]
            print(f"{name}: longest stall per poll, ms (loop CPU): {json.dumps(shown)}")

    print(f"\nlongest stall of the event loop per poll, {args.runs} polls each; in brackets the")
    print("CPU time the loop's thread ran during that stall; then the most loop CPU of any stall;")
    print("the median wall time of the poll")
    print("| configuration | longest stall, median | worst | most loop CPU in a stall | poll |")
    print("|---|--:|--:|--:|--:|")
    for name, stalls, wall in rows:
        median = statistics.median(late for late, _, _ in stalls)
        worst = max(stalls)
        busiest = max(cpu for _, _, cpu in stalls)
        print(
            f"| {name} | {median:.1f} ms | {worst[0]:.1f} ms ({worst[1]:.1f}) "
            f"| {busiest:.1f} ms | {wall:.0f} ms |"
        )


if __name__ == "__main__":
    main()
