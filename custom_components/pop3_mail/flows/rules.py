"""Rules as config subentries: Home Assistant's own UI adds, changes and deletes each one.

A rule's subentry data is the rule in the engine's dict format; its title is the rule's name,
which is also its unique id (names must differ: logs, errors and the outbox use them). Rules
run in the order they were added. Changing any rule reloads the entry (``__init__.py``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryFlow, SubentryFlowResult

from pop3_mail.dispatch.notify import invalid_urls, load_targets
from pop3_mail.dispatch.payload import default_topic

from .. import rules_form
from ..mqtt_publisher import mqtt_available
from ..rule_entries import rules_of
from ..rules_form import form_values, rule_from_form, rule_schema, stored_urls
from .rule_errors import BASE, RuleProblems, async_labels, schema_problems

NONE = "-"
TEMPLATE_EXAMPLES = {
    "topic_example": "home/mail/{{ from_address }}",
    "default_title": "New mail from {{ sender }}",
}
"""Templates quoted in the rule form's help texts. They go in as placeholders: the frontend
reads translations as ICU messages, where ``{{`` is a syntax error."""


class RuleSubentryFlow(ConfigSubentryFlow):
    """Add a rule (``user``) or change one (``reconfigure``)."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """A new rule, run after the existing ones."""
        return await self._rule_form("user", None, user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a rule; it keeps its place in the order."""
        return await self._rule_form(
            "reconfigure", self._get_reconfigure_subentry().data, user_input
        )

    async def _rule_form(
        self, step_id: str, previous: Mapping[str, Any] | None, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        problems = RuleProblems()
        open_sections: set[str] = set()
        suggested: dict[str, Any] | None = form_values(previous) if previous else None
        if user_input is not None:
            rule = rule_from_form(user_input, stored_urls(previous))
            await self._check(rule, previous, problems)
            if not problems.errors:
                return self._save(rule)
            suggested = _without_urls(user_input)
        if suggested is not None:
            open_sections = {
                name
                for name in (rules_form.MQTT, rules_form.NOTIFY)
                if (suggested.get(name) or {}).get(rules_form.ENABLED) or name in problems.errors
            }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(rule_schema(open_sections), suggested),
            errors=problems.errors,
            description_placeholders={
                **problems.placeholders(),
                "urls": await self._privacy_urls(previous),
                "default_topic": self._default_topic(),
                **TEMPLATE_EXAMPLES,
            },
        )

    def _save(self, rule: dict[str, Any]) -> SubentryFlowResult:
        name = rule[rules_form.NAME]
        if self.source == "reconfigure":
            return self.async_update_and_abort(
                self._get_entry(),
                self._get_reconfigure_subentry(),
                title=name,
                unique_id=name,
                data=rule,
            )
        return self.async_create_entry(title=name, data=rule, unique_id=name)

    async def _check(
        self, rule: dict[str, Any], previous: Mapping[str, Any] | None, problems: RuleProblems
    ) -> None:
        """Every problem of ``rule`` at once, each on its field or section."""
        others = [
            other
            for other in rules_of(self._get_entry().subentries)
            if previous is None or other[rules_form.NAME] != previous[rules_form.NAME]
        ]
        if any(other[rules_form.NAME] == rule[rules_form.NAME] for other in others):
            problems.add(rules_form.NAME, "duplicate_name")
        if not rule["actions"] and not rule[rules_form.STOP]:
            # Checked here too: the engine's schema stops before it when a field is bad.
            problems.add(BASE, "no_action")
        kinds = {kind for action in rule["actions"] for kind in action}
        if rules_form.MQTT in kinds and not mqtt_available(self.hass):
            problems.add(rules_form.MQTT, "mqtt_not_set_up")
        notify = next(
            (
                action[rules_form.NOTIFY]
                for action in rule["actions"]
                if rules_form.NOTIFY in action
            ),
            None,
        )
        if notify is not None:
            await self._check_notify(notify, problems)
        schema_problems(rule, await async_labels(self.hass), problems)

    async def _check_notify(self, notify: Mapping[str, Any], problems: RuleProblems) -> None:
        urls = notify.get(rules_form.URLS, [])
        config = notify.get("config")
        if not urls and not config:
            problems.add(rules_form.NOTIFY, "notify_needs_target")
        if notify.get("tags") and not config:
            problems.add(rules_form.NOTIFY, "tags_need_config")
        if bad := await self.hass.async_add_executor_job(invalid_urls, urls):
            problems.add(rules_form.NOTIFY, "invalid_notify_url")
            problems.values["bad_urls"] = ", ".join(f"#{position + 1}" for position in bad)
        if config and not await self.hass.async_add_executor_job(_readable_file, config):
            problems.add(rules_form.NOTIFY, "notify_config_unreadable")
            problems.values["config_file"] = config

    def _default_topic(self) -> str:
        entry = self._get_entry()
        if entry.state is ConfigEntryState.LOADED:
            return default_topic(entry.runtime_data.mailbox.account_key)
        return default_topic("ACCOUNT")

    async def _privacy_urls(self, rule: Mapping[str, Any] | None) -> str:
        """The stored URLs as apprise shows them with secrets masked (for the description)."""
        urls = stored_urls(rule)
        if not urls:
            return NONE
        loaded = await self.hass.async_add_executor_job(load_targets, urls, None, ())
        # Without apprise's long list of default query parameters: just which service.
        labels = [target.label.partition("?")[0] for target in loaded.targets]
        return ", ".join(labels) or NONE


def _without_urls(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Entered values to show again, minus the apprise URLs (secrets)."""
    values = dict(user_input)
    notify = dict(values.get(rules_form.NOTIFY) or {})
    notify.pop(rules_form.URLS, None)
    values[rules_form.NOTIFY] = notify
    return values


def _readable_file(path: str) -> bool:
    """Whether ``path`` is a file Home Assistant can read (blocking)."""
    return Path(path).is_file() and os.access(path, os.R_OK)
