"""POP3 protocol."""
