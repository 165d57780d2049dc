"""One-off look at a mailbox: log in, list, summarise the newest messages (``pop3-mail check``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pop3_mail.mail import summarize
from pop3_mail.mail.model import MailSummary
from pop3_mail.pop3 import Capabilities, open_session
from pop3_mail.settings import ServerSettings

if TYPE_CHECKING:  # finding a server (DNS, HTTP) is imported only by `check --email`
    from pop3_mail.discovery import Discovery

TOP_LINES = 50


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``check`` found; ``messages`` are newest first."""

    settings: ServerSettings
    capabilities: Capabilities
    message_count: int
    total_size: int
    messages: tuple[MailSummary, ...]
    discovery: Discovery | None = None
    """How the server was found, when ``--email`` asked for it."""

    def as_dict(self) -> dict[str, Any]:
        """JSON form (no secrets)."""
        found = {"discovery": self.discovery.as_record()} if self.discovery else {}
        return {
            **found,
            "host": self.settings.host,
            "port": self.settings.effective_port,
            "security": self.settings.security.value,
            "username": self.settings.username,
            "capabilities": self.capabilities.as_list(),
            "login_delay": self.capabilities.login_delay,
            "message_count": self.message_count,
            "total_size": self.total_size,
            "messages": [message.as_dict() for message in self.messages],
        }


async def check_mailbox(settings: ServerSettings, newest: int) -> CheckReport:
    """Log in and summarise the ``newest`` messages without changing the mailbox."""
    async with open_session(settings) as client:
        sizes, uids = await client.list_and_uidl()
        numbers = sorted(sizes, reverse=True)[: max(newest, 0)]
        tops = await client.top_many(numbers, TOP_LINES) if numbers else {}
        capabilities = client.capabilities
    messages = []
    for number in numbers:
        top = tops.get(number)
        messages.append(
            summarize(
                top if isinstance(top, bytes) else b"",
                account_key=settings.account_key,
                uid=(uids or {}).get(number, str(number)),
                number=number,
                size=sizes[number],
                complete=False,
            )
        )
    return CheckReport(
        settings=settings,
        capabilities=capabilities,
        message_count=len(sizes),
        total_size=sum(sizes.values()),
        messages=tuple(messages),
    )
