"""Tests of the engine's Mailbox (one poll = one POP3 session): Dovecot and the fault server."""
