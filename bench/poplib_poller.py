"""The comparison baseline: one poll with the standard library's poplib, done the plain way.

It does the same work as ``Mailbox.poll`` in the benchmark: implicit TLS with a verifying
context, ``USER``/``PASS``, ``UIDL``, ``LIST``, ``TOP n lines`` for each new message (one
command, one round trip each: poplib cannot pipeline), ``QUIT``; then the same summaries
(``pop3_mail.mail.summarize``) and the known UIDs saved with the same atomic, fsync'd write.
"""

from __future__ import annotations

import json
import poplib
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from pop3_mail.mail import summarize
from pop3_mail.mail.model import MailSummary
from pop3_mail.state_store import write_atomically


@dataclass(slots=True)
class PoplibPoller:
    """Polls one maildrop with poplib; ``known`` holds the UIDs seen so far."""

    host: str
    port: int
    username: str
    password: str
    context: ssl.SSLContext
    state_path: Path
    top_lines: int
    max_new: int
    known: set[str] = field(default_factory=set)

    def poll(self) -> list[MailSummary]:
        """One session; returns summaries of the new messages (oldest first)."""
        client = poplib.POP3_SSL(self.host, self.port, context=self.context, timeout=30)
        try:
            client.user(self.username)
            client.pass_(self.password)
            uids = dict(_pairs(client.uidl()[1]))
            sizes = {number: int(size) for number, size in _pairs(client.list()[1])}
            numbers = sorted(sizes)
            new = [number for number in numbers if uids[number] not in self.known]
            tops = {
                number: b"".join(line + b"\r\n" for line in client.top(number, self.top_lines)[1])
                for number in new[-self.max_new :]
            }
            client.quit()
        finally:
            client.close()
        summaries = [
            summarize(
                raw,
                account_key=f"{self.username}@{self.host}:{self.port}",
                uid=uids[number],
                number=number,
                size=sizes[number],
                complete=False,
            )
            for number, raw in tops.items()
        ]
        self.known.update(uids[number] for number in tops)
        payload = json.dumps(sorted(self.known), separators=(",", ":")).encode()
        write_atomically(self.state_path, payload)
        return summaries


def _pairs(lines: list[bytes]) -> list[tuple[int, str]]:
    """``UIDL``/``LIST`` lines as ``(message number, value)``."""
    pairs = []
    for line in lines:
        number, value = line.split()
        pairs.append((int(number), value.decode()))
    return pairs
