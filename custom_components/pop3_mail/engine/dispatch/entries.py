"""Outbox entries for a planned action: the MQTT message, or one notification per service.

Templates are rendered here, once: an entry carries the finished topic, title and body, so a
retry sends exactly what the first attempt did.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..mail.model import MailSummary
from . import notify
from .deliveries import Delivery, MqttDelivery, NotifyDelivery, OutboxEntry
from .payload import DEFAULT_BASE_TOPIC, default_topic, message_payload_json, topic_problem
from .plan import PlannedAction
from .rules import BodyFormat, MqttAction, NotifyAction
from .templates import MessageTemplate, TemplateRenderError, compile_template

_LOGGER = logging.getLogger(__name__)

MAX_TITLE_LENGTH = 250
_WHITESPACE = re.compile(r"\s+")

DEFAULT_TITLE = compile_template("New mail from {{ sender or 'unknown sender' }}")
_DEFAULT_BODY_SOURCE = "{{ subject or '(no subject)' }}{% if snippet %}\n\n{{ snippet }}{% endif %}"
DEFAULT_BODY = compile_template(_DEFAULT_BODY_SOURCE)
DEFAULT_HTML_BODY = compile_template(
    "<p><b>{{ subject or '(no subject)' }}</b></p>{% if snippet %}<p>{{ snippet }}</p>{% endif %}",
    html=True,
)


class EntryFactory:
    """Builds the entries of one account's planned actions, stamped with ``clock``."""

    def __init__(
        self,
        *,
        account: str,
        clock: Callable[[], float],
        base_topic: str = DEFAULT_BASE_TOPIC,
    ) -> None:
        """Entries for ``account``; MQTT actions without a topic publish below ``base_topic``."""
        self._account = account
        self._clock = clock
        self._base_topic = base_topic

    def mqtt(
        self,
        planned: PlannedAction,
        action: MqttAction,
        summary: MailSummary,
        context: dict[str, Any],
    ) -> OutboxEntry:
        """The MQTT message of ``action`` (the default topic when its template fails)."""
        topic = default_topic(self._account, self._base_topic)
        if action.topic is not None:
            rendered = self._render(action.topic, None, context, planned, "topic")
            problem = topic_problem(rendered) if rendered is not None else "it failed"
            if problem is None and rendered is not None:
                topic = rendered
            else:
                _LOGGER.warning(
                    "%s: rule '%s': the topic template gave no usable topic (%s); "
                    "publishing to %s instead",
                    self._account,
                    planned.rule.name,
                    problem,
                    topic,
                )
        delivery = MqttDelivery(
            topic=topic,
            payload=message_payload_json(summary, self._account),
            qos=action.qos,
            retain=action.retain,
        )
        return self._new_entry(
            f"mqtt:{planned.key}", planned, summary, label=f"MQTT {topic}", delivery=delivery
        )

    def notify(
        self,
        planned: PlannedAction,
        action: NotifyAction,
        summary: MailSummary,
        context: dict[str, Any],
        loaded: notify.LoadedTargets,
    ) -> list[OutboxEntry]:
        """One entry per loaded service; a placeholder when services cannot be loaded yet."""
        html = action.body_format is BodyFormat.HTML
        title = self._render(action.title, DEFAULT_TITLE, context, planned, "title") or ""
        body = self._render(
            action.body, DEFAULT_HTML_BODY if html else DEFAULT_BODY, context, planned, "body"
        )
        delivery = NotifyDelivery(
            channel=planned.key,
            fingerprint=None,
            title=_WHITESPACE.sub(" ", title).strip()[:MAX_TITLE_LENGTH],
            body=body or "(empty message)",
            body_format=action.body_format,
        )
        placeholder = self._new_entry(
            f"notify:{planned.key}:*",
            planned,
            summary,
            label=f"apprise services of rule '{planned.rule.name}'",
            delivery=delivery,
        )
        entries = [for_service(placeholder, delivery, target) for target in loaded.targets]
        if loaded.retryable:
            # Services still to come (an unreadable config file): a placeholder waits for them
            # and turns into one entry per service once they load.
            entries.append(placeholder)
        return entries

    def _new_entry(
        self,
        target: str,
        planned: PlannedAction,
        summary: MailSummary,
        *,
        label: str,
        delivery: Delivery,
    ) -> OutboxEntry:
        """A delivery not attempted yet."""
        now = self._clock()
        return OutboxEntry(
            target=target,
            rule=planned.rule.name,
            summary_id=summary.id,
            uid=summary.uid,
            label=label,
            created=now,
            next_attempt=now,
            delivery=delivery,
        )

    def _render(
        self,
        template: MessageTemplate | None,
        default: MessageTemplate | None,
        context: dict[str, Any],
        planned: PlannedAction,
        what: str,
    ) -> str | None:
        """Render a rule's template, falling back to ``default`` (with a warning) on failure."""
        if template is not None:
            try:
                return template.render(context)
            except TemplateRenderError as err:
                _LOGGER.warning(
                    "%s: rule '%s': the %s template failed on message %s (%s); using the default",
                    self._account,
                    planned.rule.name,
                    what,
                    context.get("uid"),
                    err,
                )
        if default is None:
            return None
        return default.render(context)


def for_service(
    placeholder: OutboxEntry, services: NotifyDelivery, target: notify.NotifyTarget
) -> OutboxEntry:
    """The delivery of ``placeholder`` (to the ``services`` of an action) to one of them."""
    return OutboxEntry(
        target=f"notify:{services.channel}:{target.fingerprint}",
        rule=placeholder.rule,
        summary_id=placeholder.summary_id,
        uid=placeholder.uid,
        label=target.label,
        created=placeholder.created,
        next_attempt=placeholder.next_attempt,
        delivery=replace(services, fingerprint=target.fingerprint),
    )
