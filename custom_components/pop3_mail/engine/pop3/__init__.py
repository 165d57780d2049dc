"""POP3 client on asyncio streams.

Use :func:`open_session` for a whole session, :class:`Pop3Client` for finer control.
"""

from .batch import Reply, Request
from .capabilities import Capabilities
from .client import Pop3Client, RetrievedMessage, SessionStats
from .profile import ServerProfile
from .session import open_session
from .tls import build_ssl_context, get_ssl_context

__all__ = [
    "Capabilities",
    "Pop3Client",
    "Reply",
    "Request",
    "RetrievedMessage",
    "ServerProfile",
    "SessionStats",
    "build_ssl_context",
    "get_ssl_context",
    "open_session",
]
