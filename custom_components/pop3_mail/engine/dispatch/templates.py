"""Sandboxed Jinja2 templates for topics, notification titles and bodies.

Templates are checked when rules are validated (syntax, known variables, no private
attributes, a trial render on a sample message), so a bad template is a configuration error
and never surprises at delivery time. Rendering still never raises anything but
:class:`TemplateRenderError`, for the caller to fall back to its default text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from jinja2 import Template, TemplateError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..mail.model import Attachment, MailSummary, summary_record

TEMPLATE_VARIABLES = frozenset(
    {
        "id",
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
        "account",
        "sender",
    }
)
"""Names a template may use: the summary's fields plus ``account`` and ``sender``."""

MAX_RENDERED_LENGTH = 32 * 1024
"""Rendered text is cut here (notification services reject huge bodies anyway)."""
MAX_EXPONENT_BITS = 4096
"""Largest integer power a template may compute (``2 ** 4096``), in bits."""


class InvalidTemplateError(ValueError):
    """A template that cannot be used; the message says why (safe to show)."""


class TemplateRenderError(Exception):
    """Rendering failed for one message (the caller falls back to its default)."""


class _Sandbox(ImmutableSandboxedEnvironment):
    """Sandbox in which touching an unsafe attribute fails loudly instead of rendering empty.

    The trial render at validation time then rejects the template rather than letting it
    pass as inert. ``*`` and ``**`` are bounded: ``(size + 9) ** 9 ** 9`` or ``subject * 10 **
    9`` would otherwise hold the event loop (and memory) while the rule is validated.
    """

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Refuse products and powers whose result would be huge, before computing them."""
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        return super().call_binop(context, operator, left, right)

    def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
        """Refuse access to an attribute the sandbox considers unsafe."""
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )


def _check_power(base: Any, exponent: Any) -> None:
    if not (isinstance(base, int) and isinstance(exponent, int)) or abs(base) < 2:
        return  # floats overflow by themselves (OverflowError); 0, 1 and -1 stay small
    if exponent > 0 and exponent * abs(base).bit_length() > MAX_EXPONENT_BITS:
        raise SecurityError(f"the power is too large (more than {MAX_EXPONENT_BITS} bits)")


def _check_repeat(sequence: Any, count: Any) -> None:
    if not isinstance(count, int) or not hasattr(sequence, "__len__"):
        return
    if count > 0 and len(sequence) * count > MAX_RENDERED_LENGTH:
        raise SecurityError(f"repeating gives more than {MAX_RENDERED_LENGTH} items or characters")


_TEXT_ENV = _Sandbox(autoescape=False)
_HTML_ENV = _Sandbox(autoescape=True)


@dataclass(frozen=True, slots=True, eq=False)
class MessageTemplate:
    """A checked, compiled template; ``source`` is what the user wrote."""

    source: str
    template: Template = field(repr=False)
    html: bool = False

    def render(self, context: Mapping[str, Any]) -> str:
        """The rendered text, cut to :data:`MAX_RENDERED_LENGTH`.

        Raises :class:`TemplateRenderError` (only) when the template fails on this message.
        """
        try:
            text = self.template.render(context)
        except Exception as err:
            raise TemplateRenderError(f"{type(err).__name__}: {err}") from None
        return text[:MAX_RENDERED_LENGTH]


def compile_template(source: str, *, html: bool = False) -> MessageTemplate:
    """Check and compile ``source``; HTML templates escape the values they insert.

    Raises :class:`InvalidTemplateError` with a message naming the problem.
    """
    env = _HTML_ENV if html else _TEXT_ENV
    try:
        tree = env.parse(source)
    except TemplateError as err:
        line = getattr(err, "lineno", None)
        where = f" (line {line})" if line else ""
        raise InvalidTemplateError(f"invalid template: {err.message}{where}") from None
    _check_tree(tree, env)
    template = env.from_string(source)
    compiled = MessageTemplate(source=source, template=template, html=html)
    try:
        compiled.render(template_context(SAMPLE_SUMMARY, "sample"))
    except TemplateRenderError as err:
        raise InvalidTemplateError(f"template fails on a sample message: {err}") from None
    return compiled


def _check_tree(tree: nodes.Template, env: ImmutableSandboxedEnvironment) -> None:
    """Reject unknown variables and any spelled-out private attribute."""
    unknown = meta.find_undeclared_variables(tree) - TEMPLATE_VARIABLES - set(env.globals)
    if unknown:
        known = ", ".join(sorted(TEMPLATE_VARIABLES))
        raise InvalidTemplateError(
            f"unknown variable {', '.join(sorted(unknown))} (known: {known})"
        )
    if any(node.name == "self" for node in tree.find_all(nodes.Name)):
        raise InvalidTemplateError("'self' (the template object) is not available")
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name: object = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        if isinstance(name, str) and name.startswith("_"):
            raise InvalidTemplateError(f"access to the private attribute {name!r} is not allowed")


def template_context(summary: MailSummary, account: str) -> dict[str, Any]:
    """The variables a template sees for one message: its JSON form (``summary_record``)."""
    return summary_record(summary, account)


SAMPLE_SUMMARY = MailSummary(
    id="0123456789abcdef0123456789abcdef",
    uid="sample-uid",
    number=1,
    size=2048,
    subject="Sample subject",
    from_name="Sample Sender",
    from_address="sender@example.com",
    to=("Recipient <recipient@example.com>",),
    cc=("copy@example.com",),
    date="2024-01-01T12:00:00+00:00",
    message_id="<sample@example.com>",
    snippet="Sample body text.",
    attachments=(Attachment(filename="sample.pdf", content_type="application/pdf", size=1024),),
    complete=False,
    problems=(),
)
"""The message templates are tried on when rules are validated."""
