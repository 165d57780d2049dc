"""Turning raw mail into safe summaries: ``summarize(raw, ...)`` is the entry point."""

from .model import Attachment, MailSummary, summary_id
from .problems import Problem
from .summary import summarize

__all__ = ["Attachment", "MailSummary", "Problem", "summarize", "summary_id"]
