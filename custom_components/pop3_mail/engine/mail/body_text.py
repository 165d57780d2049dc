"""The beginning of a message's text body, decoded, for the snippet.

Only a window at the start of the part is decoded: a snippet needs a few hundred characters,
and a 10 MiB body must not cost a 10 MiB decode. HTML gets a larger window because newsletters
start with long ``<head>``/``<style>`` blocks before the first visible word.
"""

from __future__ import annotations

from .charsets import decode_body
from .html_text import html_to_text
from .mime import TextBody
from .problems import Problems
from .transfer import decode_transfer

PLAIN_WINDOW = 8 * 1024
HTML_WINDOW = 128 * 1024
# Encoded bytes per wanted character: room for multi-byte charsets, transfer encodings and
# whitespace that collapses away.
_BYTES_PER_CHARACTER = 16


def body_text(raw: bytes, body: TextBody, *, want: int, complete: bool, problems: Problems) -> str:
    """At least ``want`` characters of the body's text when it has them (more is fine)."""
    window = max(HTML_WINDOW if body.html else PLAIN_WINDOW, want * _BYTES_PER_CHARACTER)
    end = body.end
    cut = end - body.start > window
    if cut:
        end = body.start + window
        # Whole lines only, so that no "=XX" escape or base64 group is split.
        line_end = raw.rfind(b"\n", body.start, end)
        end = line_end + 1 if line_end > body.start else end
    truncated = cut or (body.open_ended and not complete)
    data = decode_transfer(
        raw[body.start : end], body.transfer_encoding, problems, truncated=truncated
    )
    text = decode_body(data, body.charset, problems, final=not truncated)
    if body.html:
        return html_to_text(text, problems, enough=want)
    return text
