"""HTML to readable text."""

from __future__ import annotations

import pytest

from pop3_mail.mail.html_text import MAX_PENDING, html_to_text
from pop3_mail.mail.problems import Problems
from pop3_mail.mail.text import collapse


def convert(html: str, enough: int | None = None) -> tuple[str, tuple[str, ...]]:
    problems = Problems()
    return html_to_text(html, problems, enough=enough), problems.as_tuple()


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>one</p><p>two</p>", "\none\n\ntwo\n"),
        ("a<br>b<BR/>c", "a\nb\nc"),
        ("<ul><li>x</li><li>y</li></ul>", "\n\nx\n\ny\n\n"),
        ("<table><tr><td>a</td><td>b</td></tr></table>", "\n\n a  b \n\n"),
        ('<a href="https://example.com/">link text</a>', "link text"),
        ("<script>var a = '<p>x</p>';</script>after", "after"),
        ("<STYLE>p { color: red }</STYLE>after", "after"),
        ("<head><title>Title</title></head>body", "body"),
        ("<template><p>t</p></template>shown", "shown"),
        ("&amp; &lt;b&gt; &euro; &#8364; &#x20AC; &nbsp;|", "& <b> € € € \xa0|"),
        ("a<!-- comment -->b<!--[if mso]>outlook<![endif]-->c", "abc"),
        ("<![if !supportLists]>1.<![endif]> item", "1. item"),
        ("unclosed <b>bold", "unclosed bold"),
        ("x &unknownentity; y", "x &unknownentity; y"),
        ("<p>ends with entity &amp", "\nends with entity &"),
    ],
)
def test_conversion(html: str, text: str) -> None:
    assert convert(html) == (text, ())


def test_stops_once_enough_text_was_found() -> None:
    html = "<p>word</p>" * 100_000
    text, _ = convert(html, enough=100)
    assert 100 < len(collapse(text)[0]) < 5_000


def test_an_unterminated_comment_hides_the_rest() -> None:
    text, problems = convert("visible <!-- " + "x" * (2 * MAX_PENDING) + " --> never")
    assert text == "visible "
    assert problems == ()


def test_a_parser_exception_keeps_the_text_so_far() -> None:
    assert convert("kept <![<! lost") == ("kept ", ("html_malformed",))
