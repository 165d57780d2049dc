"""One rule dispatcher per mailbox: rules from the entry's subentries, outbox in HA storage."""

from __future__ import annotations

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryError

from pop3_mail.dispatch.dispatcher import Dispatcher
from pop3_mail.dispatch.rules import RuleError, parse_rules
from pop3_mail.mailbox import Mailbox

from .const import DOMAIN
from .coordinator import Pop3MailConfigEntry, now_timestamp
from .mqtt_publisher import HomeAssistantMqttPublisher
from .rule_entries import rules_of
from .store import OUTBOX_STORE, EntryStore


async def async_start_dispatcher(
    hass: HomeAssistant, entry: Pop3MailConfigEntry, mailbox: Mailbox
) -> Dispatcher:
    """Start the entry's dispatcher; it stops with the entry and with Home Assistant.

    It runs even without rules, so that deliveries still waiting in the outbox from earlier
    rules are settled (delivered, or dropped when their rule is gone).
    """
    try:
        rules = parse_rules(rules_of(entry.subentries))
    except RuleError as err:  # the rule form validates; only a hand-edited file gets here
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="invalid_rules",
            translation_placeholders={"error": str(err)},
        ) from err
    dispatcher = Dispatcher(
        account=mailbox.account_key,
        rules=rules,
        mailbox=mailbox,
        outbox_store=EntryStore(hass, entry.entry_id, OUTBOX_STORE),
        publisher=HomeAssistantMqttPublisher(hass),
        executor_runner=hass.async_add_executor_job,
        clock=now_timestamp,
    )
    await dispatcher.start()
    entry.async_on_unload(dispatcher.stop)

    async def _stop(_event: Event) -> None:
        await dispatcher.stop()

    # Config entries are not unloaded when Home Assistant stops; the retry loop must end.
    # (Not listen_once: its remover complains when called after the event.)
    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, _stop))
    return dispatcher
