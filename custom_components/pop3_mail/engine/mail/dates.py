"""The Date header as ISO 8601 with its offset.

A Date without a usable zone (none at all, ``-0000`` which RFC 5322 defines as "local time
unknown", or an unknown zone name) is read as UTC and flagged ``date_no_zone``: the result
always carries an offset, and the flag says the offset was not in the mail. Unparseable and
out-of-range dates (``31 Feb``, offsets of 24 hours or more, leap second 60) give None and
``bad_date``.
"""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime

from .problems import Problem, Problems

# Far longer than any real Date; bounds the work the stdlib's tokenizer does on junk.
MAX_DATE_LENGTH = 256


def parse_date(text: str | None, problems: Problems) -> str | None:
    """ISO 8601 form of a Date header value, or None when missing or unusable."""
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > MAX_DATE_LENGTH:
        problems.add(Problem.BAD_DATE)
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        problems.add(Problem.BAD_DATE)
        return None
    if moment.tzinfo is None:
        problems.add(Problem.DATE_NO_ZONE)
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()
