"""Tests of the mail summaries (engine/mail)."""
