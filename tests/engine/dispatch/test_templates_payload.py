"""Template rendering and the versioned MQTT payload."""

from __future__ import annotations

import json

import pytest

from pop3_mail.dispatch.payload import (
    default_topic,
    message_payload_json,
    topic_problem,
)
from pop3_mail.dispatch.templates import (
    MAX_RENDERED_LENGTH,
    InvalidTemplateError,
    TemplateRenderError,
    compile_template,
    template_context,
)
from pop3_mail.mail.model import SUMMARY_SCHEMA_VERSION, summary_id, summary_record

from .helpers import make_summary, with_attachment


def test_every_documented_variable_renders() -> None:
    summary = with_attachment(make_summary(subject="Parcel", to=("me@x.org", "you@x.org")))
    template = compile_template(
        "{{ account }}|{{ sender }}|{{ subject }}|{{ from_address }}|{{ to|join(',') }}|"
        "{{ attachments|map(attribute='filename')|join(',') }}|{{ size }}|{{ uid }}|{{ id[:4] }}"
    )
    rendered = template.render(template_context(summary, "home"))
    assert rendered == (
        f"home|Alice Example|Parcel|alice@example.com|me@x.org,you@x.org|a.pdf|1234|uid-1|"
        f"{summary.id[:4]}"
    )


def test_sender_falls_back_to_the_address() -> None:
    summary = make_summary(from_name="", from_address="bob@example.com")
    assert compile_template("{{ sender }}").render(template_context(summary, "a")) == (
        "bob@example.com"
    )


def test_text_is_not_escaped_but_html_is() -> None:
    context = template_context(make_summary(subject="<b>&</b>"), "a")
    assert compile_template("{{ subject }}").render(context) == "<b>&</b>"
    assert compile_template("<p>{{ subject }}</p>", html=True).render(context) == (
        "<p>&lt;b&gt;&amp;&lt;/b&gt;</p>"
    )


def test_output_is_capped() -> None:
    template = compile_template("{% for i in range(40000) %}xy{% endfor %}")
    assert len(template.render(template_context(make_summary(), "a"))) == MAX_RENDERED_LENGTH


@pytest.mark.parametrize(
    "template",
    [
        "{{ (size + 9) ** (9 ** 9) > 0 }}",  # would compute for hours
        "{{ subject * 10 ** 8 }}",  # would allocate gigabytes
        "{{ 10 ** 9 * [0] }}",
    ],
)
def test_huge_products_and_powers_are_refused_at_validation(template: str) -> None:
    with pytest.raises(InvalidTemplateError, match=r"too large|more than"):
        compile_template(template)


def test_ordinary_arithmetic_still_works() -> None:
    template = compile_template(
        "{{ 2 ** 10 }}|{{ 'ab' * 3 }}|{{ 3 * '-' }}|{{ size * 2 }}|{{ 2.5 * 2 }}|{{ 2 ** -1 }}"
    )
    assert (
        template.render(template_context(make_summary(size=5), "a")) == "1024|ababab|---|10|5.0|0.5"
    )


def test_runtime_failures_raise_only_template_render_error() -> None:
    template = compile_template("{{ 10 // size }}")  # fine on the sample message
    with pytest.raises(TemplateRenderError, match="ZeroDivisionError"):
        template.render(template_context(make_summary(size=0), "a"))


def test_compile_problems() -> None:
    with pytest.raises(InvalidTemplateError, match="line 2"):
        compile_template("ok\n{{ broken")
    with pytest.raises(InvalidTemplateError, match="unknown variable password"):
        compile_template("{{ password }}")


def test_payload_schema() -> None:
    """The MQTT payload and the template variables are the one JSON form of a summary."""
    summary = with_attachment(make_summary(uid="abc"))
    payload = summary_record(summary, "home")
    assert template_context(summary, "home") == payload
    assert SUMMARY_SCHEMA_VERSION == 1
    assert list(payload) == [
        "schema_version",
        "id",
        "account",
        "uid",
        "number",
        "size",
        "subject",
        "from_name",
        "from_address",
        "to",
        "cc",
        "date",
        "message_id",
        "snippet",
        "attachments",
        "complete",
        "problems",
        "sender",
    ]
    assert payload["schema_version"] == 1
    assert payload["id"] == summary_id("me@127.0.0.1:995", "abc")
    assert payload["account"] == "home"
    assert payload["attachments"] == [
        {"filename": "a.pdf", "content_type": "application/pdf", "size": 10}
    ]
    assert json.loads(message_payload_json(summary, "home")) == payload


def test_payload_json_keeps_unicode_readable() -> None:
    text = message_payload_json(make_summary(subject="Grüße 📦"), "a")
    assert "Grüße 📦" in text


@pytest.mark.parametrize(
    ("account", "topic"),
    [
        ("home", "pop3_mail/home/message"),
        ("me@x.org/+#", "pop3_mail/me@x.org___/message"),
        ("", "pop3_mail/_/message"),
    ],
)
def test_default_topic(account: str, topic: str) -> None:
    assert default_topic(account) == topic
    assert topic_problem(topic) is None


def test_default_topic_base() -> None:
    assert default_topic("a", "mail") == "mail/a/message"


@pytest.mark.parametrize(
    ("topic", "problem"),
    [
        ("", "empty"),
        ("a/#", "wildcards"),
        ("a/+/b", "wildcards"),
        ("a\x00b", "NUL"),
        ("$SYS/x", "reserved"),
        ("x" * 70000, "longer"),
    ],
)
def test_topic_problems(topic: str, problem: str) -> None:
    found = topic_problem(topic)
    assert found is not None
    assert problem in found
