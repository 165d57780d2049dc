"""POP3 Mail engine."""
