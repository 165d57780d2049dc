"""POP3 Mail engine: POP3 client, mail summaries, new-mail tracking, rules and dispatch.

This package imports nothing from Home Assistant. Inside Home Assistant it is
``custom_components.pop3_mail.engine``; installed as a distribution (daemon, add-on, CLI) it is
the top-level package ``pop3_mail``. Modules use relative imports only, so both names work.
"""

__version__ = "0.1.0"
