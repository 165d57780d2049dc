"""POP3 servers other than Dovecot, from Debian's packages, run on loopback for interop tests."""
