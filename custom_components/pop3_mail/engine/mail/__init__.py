"""Turning raw mail into safe summaries."""
