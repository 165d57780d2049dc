"""What the daemon knows about each account right now (status page, API, MQTT ``/status``)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pop3_mail.errors import Failure, Pop3MailError, classify, sanitize_server_text
from pop3_mail.mail.model import MailSummary

NEWEST_KEPT = 5


class Health(StrEnum):
    """The account's state as published on ``<base>/<account>/status``."""

    STARTING = "starting"
    OK = "ok"
    BUSY = "busy"
    """The server asked us to come back later (LOGIN-DELAY, IN-USE, SYS/TEMP)."""
    AUTH_FAILED = "auth_failed"
    CONNECTION_FAILED = "connection_failed"
    TLS_FAILED = "tls_failed"
    OAUTH_UNAVAILABLE = "oauth_unavailable"
    """The OAuth provider could not be asked for an access token; values are kept."""
    SERVER_REFUSED = "server_refused"
    """``[SYS/PERM]``: a human must act (e.g. enable POP access at the provider)."""
    PROTOCOL_ERROR = "protocol_error"
    STATE_ERROR = "state_error"
    """The state directory cannot be written."""
    ERROR = "error"


AVAILABLE = (Health.OK, Health.BUSY, Health.OAUTH_UNAVAILABLE)
"""States in which the account's entities show values (others make them unavailable)."""


HEALTH: Mapping[Failure, Health] = {
    Failure.AUTH: Health.AUTH_FAILED,
    Failure.TIMEOUT: Health.CONNECTION_FAILED,
    Failure.TLS: Health.TLS_FAILED,
    Failure.CONNECTION: Health.CONNECTION_FAILED,
    Failure.IN_USE: Health.BUSY,
    Failure.BUSY: Health.BUSY,
    Failure.OAUTH_PROVIDER: Health.OAUTH_UNAVAILABLE,
    Failure.REFUSED: Health.SERVER_REFUSED,
    Failure.PROTOCOL: Health.PROTOCOL_ERROR,
    Failure.STATE: Health.STATE_ERROR,
    Failure.CONFIG: Health.ERROR,
    Failure.INTERNAL: Health.ERROR,
}
"""The engine's failure kinds as the published status (values are part of the MQTT API)."""


def health_of(error: BaseException) -> Health:
    """Classify a failed poll (the engine's :func:`classify` decides)."""
    return HEALTH[classify(error)]


def describe_error(error: BaseException) -> str:
    """A one-line, secret-free description (engine errors are written to be shown)."""
    if isinstance(error, Pop3MailError):
        return sanitize_server_text(str(error)) or type(error).__name__
    # Anything else is unexpected; its text may hold anything, so only the type is shown.
    return f"internal error ({type(error).__name__})"


@dataclass(slots=True)
class AccountStatus:
    """Live status of one account; the worker updates it, the web and MQTT layers read it."""

    name: str
    host: str
    port: int
    scan_interval: int
    health: Health = Health.STARTING
    polling: bool = False
    polls: int = 0
    """Poll attempts since start (successful or not)."""
    last_poll: datetime | None = None
    """When the last poll attempt finished (successful or not)."""
    last_success: datetime | None = None
    last_error: str | None = None
    unread: int | None = None
    messages: int | None = None
    next_poll: datetime | None = None
    newest: deque[MailSummary] = field(default_factory=lambda: deque(maxlen=NEWEST_KEPT))
    """Newest messages first."""

    def remember(self, new_messages: tuple[MailSummary, ...], latest: MailSummary | None) -> None:
        """Keep the newest few summaries for the status page (``new_messages`` oldest first)."""
        for summary in new_messages:
            self._drop(summary.uid)
            self.newest.appendleft(summary)
        if latest is not None and not any(s.uid == latest.uid for s in self.newest):
            self.newest.appendleft(latest)

    def _drop(self, uid: str) -> None:
        for summary in list(self.newest):
            if summary.uid == uid:
                self.newest.remove(summary)

    def as_dict(self, *, outbox_size: int | None = None) -> dict[str, Any]:
        """JSON form for ``/api/status`` (no usernames, no secrets)."""
        return {
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "status": self.health.value,
            "polling": self.polling,
            "polls": self.polls,
            "scan_interval": self.scan_interval,
            "last_poll": _iso(self.last_poll),
            "last_success": _iso(self.last_success),
            "last_error": self.last_error,
            "unread": self.unread,
            "messages": self.messages,
            "next_poll": _iso(self.next_poll),
            "outbox_size": outbox_size,
            "newest": [
                {
                    "subject": summary.subject,
                    "sender": summary.sender,
                    "date": summary.date,
                    "uid": summary.uid,
                }
                for summary in self.newest
            ],
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
