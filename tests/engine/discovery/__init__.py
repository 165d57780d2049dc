"""Tests of discovery from an email address: real local DNS, HTTPS and Dovecot servers."""
