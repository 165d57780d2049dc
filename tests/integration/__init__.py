"""Tests of the Home Assistant integration against the real Dovecot fixture."""
