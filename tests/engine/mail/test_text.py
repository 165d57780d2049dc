"""Cleaning text fields: one line, no control characters, bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pop3_mail.mail.problems import Problems
from pop3_mail.mail.text import clean_line, clean_prefix, collapse


def test_controls_go_and_whitespace_collapses() -> None:
    problems = Problems()
    text = " a\x00b\tc\r\n d\x1b[0m\x7f\x85e\u2028f\u2029g\ud800 \u00a0h "
    assert clean_line(text, 100, problems) == "ab c d[0m e f g h"
    assert problems.as_tuple() == ("control_chars",)


def test_whitespace_alone_is_no_damage() -> None:
    problems = Problems()
    assert clean_line("  a \t\r\n b  ", 100, problems) == "a b"
    assert problems.as_tuple() == ()


def test_cutting_to_the_bound_is_flagged_and_strips_the_cut_space() -> None:
    problems = Problems()
    assert clean_line("abc def", 4, problems) == "abc"
    assert problems.as_tuple() == ("field_truncated",)


TEXT = st.text(alphabet=st.sampled_from(["a", "é", " ", "\n", "\t", "\x00", "\x85", "\u2028"]))


@given(text=TEXT, limit=st.integers(min_value=0, max_value=50))
def test_the_snippet_shortcut_equals_cleaning_everything(text: str, limit: int) -> None:
    assert clean_prefix(text, limit, Problems()) == collapse(text)[0][:limit].rstrip()
