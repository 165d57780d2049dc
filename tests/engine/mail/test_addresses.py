"""Strict, bounded address-list parsing."""

from __future__ import annotations

from email.utils import formataddr, getaddresses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pop3_mail.mail.addresses import Mailbox, parse_address_list
from pop3_mail.mail.problems import Problems


def parse(text: str, limit: int = 100) -> tuple[list[Mailbox], tuple[str, ...]]:
    problems = Problems()
    return parse_address_list(text, limit, problems).mailboxes, problems.as_tuple()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a@example.com", [("", "a@example.com")]),
        ("Alice <alice@example.com>", [("Alice", "alice@example.com")]),
        ('"Smith, Bob" <bob@example.com>', [("Smith, Bob", "bob@example.com")]),
        ('"Quote \\" inside" <q@example.com>', [('Quote " inside', "q@example.com")]),
        ("John Q. Public <jqp@example.com>", [("John Q. Public", "jqp@example.com")]),
        ("bob@example.com (Bob (the) Builder)", [("Bob (the) Builder", "bob@example.com")]),
        ("<bob@example.com> (comment)", [("", "bob@example.com")]),
        ("=?utf-8?b?SsO2cmc=?= <j@example.de>", [("Jörg", "j@example.de")]),
        ('"=?utf-8?q?J=C3=B6rg?=" <j@example.de>', [("Jörg", "j@example.de")]),
        ("a@example.com, , ,b@example.com,", [("", "a@example.com"), ("", "b@example.com")]),
        ("Team: a@example.com, b@example.com;", [("", "a@example.com"), ("", "b@example.com")]),
        ("undisclosed-recipients:;", []),
        ("<@hop1,@hop2:routed@example.com>", [("", "routed@example.com")]),
        ("x@[IPv6:2001:db8::1]", [("", "x@[IPv6:2001:db8::1]")]),
        ('"john smith"@example.com', [("", '"john smith"@example.com')]),
        ("jörg@bücher.example", [("", "jörg@bücher.example")]),
        ("(only a comment)", []),
    ],
)
def test_valid_address_forms(text: str, expected: list[tuple[str, str]]) -> None:
    mailboxes, problems = parse(text)
    assert [(m.name, m.address) for m in mailboxes] == expected
    assert problems == ()


@pytest.mark.parametrize(
    "text",
    [
        "alice@example.org)<bob@example.org>",  # CVE-2023-27043
        "<b@example.com> trailing words",
        "name first@example.com trailing",
        "x y <a@example.com> z",
        "<a@example.com> b@",
        "<a@example.com b@example.com>",
        "<a@example.com <b@example.com>>",
        "no-at-sign",
        "two@@example.com",
        "dot.@example.com",
        ".dot@example.com",
        "a@example..com",
        "a\x00b@example.com",
        "a@" + "x" * 400 + ".com",
        "back\\slash@example.com",
    ],
)
def test_ambiguous_or_invalid_entries_are_dropped(text: str) -> None:
    mailboxes, problems = parse(text + ", ok@example.com")
    assert [m.address for m in mailboxes] == ["ok@example.com"]
    assert problems == ("address_invalid",)


# RFC 5322 Appendix A.5 and A.6 (white space, comments, obsolete syntax).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            r"Pete(A wonderful \) chap) <pete(his account)@silly.test(his host)>",
            [("Pete", "pete@silly.test")],
        ),
        (
            "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
            "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end)",
            [
                ("Chris Jones", "c@public.example"),
                ("", "joe@example.org"),
                ("John", "jdoe@one.test"),
            ],
        ),
        ("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;", []),
        (
            "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
            [("Mary Smith", "mary@example.net"), ("", "jdoe@test.example")],
        ),
        (
            "Joe Q. Public <john.q.public@example.com>",
            [("Joe Q. Public", "john.q.public@example.com")],
        ),
        ("John Doe <jdoe@machine(comment).  example>", [("John Doe", "jdoe@machine.example")]),
        ("Mary Smith\r\n  \r\n          <mary@example.net>", [("Mary Smith", "mary@example.net")]),
        ("<@hop1, @hop2 : routed @ example.com>", [("", "routed@example.com")]),
        ("< john . doe @ example . com >", [("", "john.doe@example.com")]),
    ],
)
def test_comments_whitespace_and_obsolete_syntax(
    text: str, expected: list[tuple[str, str]]
) -> None:
    mailboxes, problems = parse(text)
    assert [(m.name, m.address) for m in mailboxes] == expected
    assert problems == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Big Bug bb@bug.com", [("Big Bug", "bb@bug.com")]),
        ("john smith@example.com", [("john", "smith@example.com")]),
        ('"Big Bug" bb@bug.com', [("Big Bug", "bb@bug.com")]),
        ("a@example.com b@example.com", [("", "a@example.com"), ("", "b@example.com")]),
        (
            "Ann a@example.com Bob b@example.com",
            [("Ann", "a@example.com"), ("Bob", "b@example.com")],
        ),
        ("A <a@example.com> B <b@example.com>", [("A", "a@example.com"), ("B", "b@example.com")]),
        ("a <b@example.com> <c@example.com>", [("a", "b@example.com"), ("", "c@example.com")]),
        ("<a@example.com> b@example.com", [("", "a@example.com"), ("", "b@example.com")]),
    ],
)
def test_clear_intent_is_repaired_and_said(text: str, expected: list[tuple[str, str]]) -> None:
    mailboxes, problems = parse(text)
    assert [(m.name, m.address) for m in mailboxes] == expected
    assert problems == ("address_repaired",)


def test_raw_bytes_of_an_encoded_word_never_make_an_address() -> None:
    # decode_header_bytes keeps them as surrogates; an address must not carry one.
    mailboxes, problems = parse("=?utf-8?q?\udcf6?=@example.com, ok@example.com")
    assert [m.address for m in mailboxes] == ["ok@example.com"]
    assert problems == ("address_invalid",)


@pytest.mark.parametrize(
    "text",
    [
        "<unterminated@example.com",
        '"unterminated <q@example.com>',
        "(unterminated <c@x.com>",
        "<a@(unterminated comment>",
    ],
)
def test_an_unterminated_construct_swallows_the_rest_of_the_header(text: str) -> None:
    mailboxes, problems = parse(text + ", ok@example.com")
    assert mailboxes == []
    assert problems == ("address_invalid",)


def test_the_limit_stops_the_scan_and_reports_truncation() -> None:
    problems = Problems()
    result = parse_address_list(", ".join(f"u{n}@example.com" for n in range(1000)), 3, problems)
    assert [m.address for m in result.mailboxes] == [f"u{n}@example.com" for n in range(3)]
    assert result.truncated


def test_names_are_single_line_and_bounded() -> None:
    mailboxes, problems = parse('"' + "name\t\x01 " * 100 + '" <n@example.com>')
    assert mailboxes[0].name == ("name " * 40).strip()
    assert set(problems) == {"control_chars", "field_truncated"}


ATOM = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~", min_size=1)
LOCAL = st.lists(ATOM, min_size=1, max_size=3).map(".".join)
DOMAIN = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12),
    min_size=1,
    max_size=3,
).map(".".join)
NAME = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\x85"),
    max_size=30,
).map(lambda text: " ".join(text.split()))


@given(st.lists(st.tuples(NAME, LOCAL, DOMAIN), min_size=1, max_size=8))
def test_round_trip_and_agreement_with_the_strict_stdlib_parser(
    entries: list[tuple[str, str, str]],
) -> None:
    header = ", ".join(formataddr((name, f"{local}@{domain}")) for name, local, domain in entries)
    mailboxes, problems = parse(header)
    expected = [(name, f"{local}@{domain}") for name, local, domain in entries]
    assert [(m.name, m.address) for m in mailboxes] == expected
    assert problems == ()
    stdlib = getaddresses([header], strict=True)
    assert [m.address for m in mailboxes] == [address for _, address in stdlib]
