"""Which actions apply to a message: every matching rule's, in order, until a ``stop``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..mail.model import MailSummary
from .rules import Action, NotifyAction, Rule


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """Action number ``index`` of ``rule``."""

    rule: Rule
    index: int
    action: Action

    @property
    def key(self) -> str:
        """The action's identity (``<rule>#<n>``), part of the targets it delivers to."""
        return f"{self.rule.name}#{self.index}"


def every_action(rules: Sequence[Rule]) -> Iterator[PlannedAction]:
    """All actions of ``rules``, whether any message matches them or not."""
    for rule in rules:
        for index, action in enumerate(rule.actions):
            yield PlannedAction(rule, index, action)


def plan_actions(rules: Sequence[Rule], summary: MailSummary, account: str) -> list[PlannedAction]:
    """The actions for ``summary`` of ``account``."""
    plan: list[PlannedAction] = []
    for rule in rules:
        if not rule.matches(summary, account):
            continue
        plan.extend(PlannedAction(rule, index, action) for index, action in enumerate(rule.actions))
        if rule.stop:
            break
    return plan


def needs_whole_message(plan: Sequence[PlannedAction]) -> bool:
    """Whether a planned action needs the whole message (a notify with attachments)."""
    return any(
        isinstance(planned.action, NotifyAction) and planned.action.attach for planned in plan
    )
