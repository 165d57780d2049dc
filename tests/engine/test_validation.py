"""The strict validators shared by rules and the daemon's configuration (engine/validation.py)."""

from __future__ import annotations

import pytest
import voluptuous as vol

from pop3_mail.validation import (
    boolean,
    choice,
    describe_errors,
    each,
    format_path,
    integer,
    secret_text,
    text,
)


@pytest.mark.parametrize(
    ("validator", "value", "message"),
    [
        (integer(1, 10), True, "expected int"),  # a bool is an int to Python, not to users
        (integer(1, 10), "5", "expected int"),
        (integer(1, 10), 11, "must be between 1 and 10"),
        (boolean, "yes", "expected true or false"),
        (boolean, 1, "expected true or false"),
        (text, "  ", "must not be empty"),
        (text, "a\nb", "must not contain control characters"),
        (text, 5, "expected a string"),
        (secret_text, "", "must not be empty"),
        (choice(["ssl", "plain"]), "SSL", "expected one of ssl, plain"),
        (each(text, minimum=1), [], "needs at least 1 entry"),
        (each(text), "a", "expected a list"),
    ],
)
def test_refusals(validator: vol.Schema, value: object, message: str) -> None:
    with pytest.raises(vol.Invalid) as caught:
        validator(value)
    assert describe_errors(caught.value, top_level="") == [message]


def test_accepted_values_come_back_unchanged() -> None:
    assert integer(1, 10)(10) == 10
    assert boolean(False) is False
    assert text("a b") == "a b"
    assert secret_text(" \n ") == " \n "  # anything goes in a secret but emptiness
    assert each(integer(0, 2))([0, 1, 2]) == [0, 1, 2]


def test_each_reports_every_bad_item_with_its_index() -> None:
    schema = vol.Schema({"items": each(integer(0, 2))})
    with pytest.raises(vol.Invalid) as caught:
        schema({"items": [0, 7, "x", 1, 9]})
    assert describe_errors(caught.value) == [
        "items[1]: must be between 0 and 2",
        "items[2]: expected int",
        "items[4]: must be between 0 and 2",
    ]


def test_plain_words_suggestions_and_no_repeats() -> None:
    schema = vol.Schema({vol.Required("port"): integer(1, 65535)})
    with pytest.raises(vol.Invalid) as caught:
        schema({"prot": 995})
    lines = describe_errors(caught.value, suggest=lambda path: " (did you mean port?)")
    assert lines == ["prot: unknown key (did you mean port?)", "port: required"]
    with pytest.raises(vol.Invalid) as caught:
        vol.Schema({"a": {"b": int}})({"a": 5})
    assert describe_errors(caught.value) == ["a: expected a mapping (key: value)"]


def test_paths_never_show_a_secret_pasted_as_a_key() -> None:
    assert format_path(["accounts", 1, "port"]) == "accounts[1].port"
    assert format_path([]) == ""
    assert format_path(["notify", "tgram://123:secret@bot"]) == "notify.<hidden key>"
    assert format_path([vol.Optional("qos")]) == "qos"
