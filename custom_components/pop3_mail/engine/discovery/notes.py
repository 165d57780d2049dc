"""The providers' advice as translation keys with English text.

Hosts translate by key (Home Assistant: ``discovery_note.<key>``, placeholders ``{provider}``
and ``{url}``); the English text here is what the daemon and the CLI print. Keys are short,
stable identifiers: renaming one breaks every translation of it.
"""

from __future__ import annotations

from types import MappingProxyType

from .model import Note

NOTE_TEXTS = MappingProxyType(
    {
        "enable_pop3": (
            "{provider} refuses POP3 until it is enabled once in the web mailer's settings."
        ),
        "separate_mail_password": (
            "{provider} needs its separate e-mail password (E-Mail-Passwort) for mail "
            "programs; the password of the web login does not work."
        ),
        "app_password_required": (
            "{provider} needs an app password (made in the account's security settings, "
            "with 2-step verification on); the account password does not work."
        ),
        "app_password_with_2fa": (
            "With 2-step verification on, {provider} needs an app password instead of the "
            "account password."
        ),
        "oauth_microsoft": (
            "{provider} accepts no passwords for POP3: sign in with Microsoft (OAuth 2), and "
            "enable POP in the mailbox's settings."
        ),
        "workspace_admin": (
            "The administrator of your {provider} domain must allow POP and app passwords."
        ),
        "no_pop3": "{provider} offers no POP3, only IMAP.",
        "login_interval": (
            "{provider} allows a POP3 login only every 15 minutes on free accounts; check "
            "less often."
        ),
        "pop3_paid_plans": "{provider} offers POP3 only on plans that include it.",
    }
)
"""Every note key and its English template."""


def make_note(key: str, provider: str, url: str | None = None) -> Note:
    """The note ``key`` for ``provider``.

    Raises:
        KeyError: an unknown key (a mistake in the provider table; a test checks them all).

    """
    return Note(key, NOTE_TEXTS[key].format(provider=provider, url=url or ""), url)
