"""Tests of the standalone daemon."""
