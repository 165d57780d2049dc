"""Home Assistant MQTT discovery: one device per mailbox, published as device-based discovery.

``<prefix>/device/<device id>/config`` carries the device, the origin and every component
(sensors unread, messages, latest_subject, last_checked, status; an event entity for new mail).
Unique ids live in the ``<base>_mqtt_`` namespace so they never clash with the entities of the
HACS integration watching the same mailbox.
"""

from __future__ import annotations

from typing import Any

from pop3_mail import __version__

from ..config.loader import AccountConfig, MqttConfig
from ..status import AVAILABLE, Health
from .topics import AccountTopics, availability_topic, node_id

HOMEPAGE = "https://github.com/pop3-mail/pop3-mail"
ORIGIN = {"name": "POP3 Mail", "sw": __version__, "url": HOMEPAGE}
EVENT_TYPE = "new_mail"

# The templates read the JSON written by the daemon (pop3_mail.mail.model.summary_record), using
# .get() so that an empty mailbox (``{}``) renders quietly instead of logging template errors.
_SENDER = "m.get('from_name') or m.get('from_address') or ''"
LATEST_SUBJECT_TEMPLATE = "{{ (value_json.get('subject') or '')[:255] }}"
LATEST_ATTRIBUTES_TEMPLATE = (
    "{% set m = value_json %}{{ {"
    f"'subject': m.get('subject') or '', 'sender': {_SENDER}, "
    "'from_address': m.get('from_address') or '', 'date': m.get('date'), "
    "'snippet': m.get('snippet') or '', 'uid': m.get('uid')"
    "} | to_json }}"
)
EVENT_TEMPLATE = (
    "{% set m = value_json %}{{ {"
    f"'event_type': '{EVENT_TYPE}', 'id': m.get('id'), 'uid': m.get('uid'), "
    f"'subject': m.get('subject') or '', 'sender': {_SENDER}, "
    "'from_address': m.get('from_address') or '', 'date': m.get('date'), "
    "'snippet': m.get('snippet') or ''"
    "} | to_json }}"
)
ACCOUNT_AVAILABLE_TEMPLATE = (
    "{{ 'online' if value in ("
    + ", ".join(f"'{health.value}'" for health in AVAILABLE)
    + ") else 'offline' }}"
)


def device_id(mqtt: MqttConfig, account: str) -> str:
    """Identifier of the account's device (also the discovery object id)."""
    return f"{node_id(mqtt.base_topic)}_mqtt_{account}"


def discovery_topic(mqtt: MqttConfig, account: str) -> str:
    """``<prefix>/device/<device id>/config``."""
    return f"{mqtt.discovery_prefix}/device/{device_id(mqtt, account)}/config"


def expire_after(poll_interval: float) -> int:
    """Seconds after which Home Assistant marks the sensors unavailable without an update.

    The last will only fires when the TCP connection drops; a daemon that is connected but
    stuck would otherwise show stale values forever. Three missed polls plus slack.
    """
    return int(3 * poll_interval + 60)


def device_config(
    mqtt: MqttConfig, account: AccountConfig, *, poll_interval: float
) -> dict[str, Any]:
    """The device-based discovery payload of one account."""
    topics = AccountTopics(mqtt.base_topic, account.name)
    ident = device_id(mqtt, account.name)
    expiry = expire_after(poll_interval)
    entity_prefix = f"{node_id(mqtt.base_topic)}_{account.name}"
    bridge_availability = {"topic": availability_topic(mqtt.base_topic)}

    def component(platform: str, key: str, **options: Any) -> dict[str, Any]:
        return {
            "p": platform,
            "unique_id": f"{ident}_{key}",
            "default_entity_id": f"{platform}.{entity_prefix}_{key}",
            "qos": 1,
            **options,
        }

    components = {
        "unread": component(
            "sensor",
            "unread",
            name="Unread",
            state_topic=topics.unread,
            state_class="measurement",
            unit_of_measurement="messages",
            icon="mdi:email-alert",
            expire_after=expiry,
        ),
        "messages": component(
            "sensor",
            "messages",
            name="Messages",
            state_topic=topics.messages,
            state_class="measurement",
            unit_of_measurement="messages",
            icon="mdi:email-multiple",
            expire_after=expiry,
        ),
        "latest_subject": component(
            "sensor",
            "latest_subject",
            name="Latest subject",
            state_topic=topics.latest,
            value_template=LATEST_SUBJECT_TEMPLATE,
            json_attributes_topic=topics.latest,
            json_attributes_template=LATEST_ATTRIBUTES_TEMPLATE,
            icon="mdi:email-open",
            expire_after=expiry,
        ),
        "last_checked": component(
            "sensor",
            "last_checked",
            name="Last checked",
            state_topic=topics.last_checked,
            device_class="timestamp",
            entity_category="diagnostic",
        ),
        "status": component(
            "sensor",
            "status",
            name="Status",
            state_topic=topics.status,
            device_class="enum",
            options=[health.value for health in Health],
            json_attributes_topic=topics.error,
            entity_category="diagnostic",
            icon="mdi:email-sync",
            # The status must stay visible when the account fails: only the daemon's own
            # availability applies to it, not the per-account one.
            availability=[bridge_availability],
        ),
    }
    if mqtt.publish_messages:
        components["new_mail"] = component(
            "event",
            "new_mail",
            name="New mail",
            state_topic=topics.message,
            event_types=[EVENT_TYPE],
            value_template=EVENT_TEMPLATE,
            icon="mdi:email-arrow-left",
        )
    return {
        "dev": {
            "identifiers": [ident],
            "name": f"Mailbox {account.name}",
            "manufacturer": "POP3 Mail",
            "model": "POP3 mailbox",
            "model_id": f"{account.server.host}:{account.server.effective_port}",
            "sw_version": __version__,
        },
        "o": ORIGIN,
        "availability": [
            bridge_availability,
            {"topic": topics.status, "value_template": ACCOUNT_AVAILABLE_TEMPLATE},
        ],
        "availability_mode": "all",
        "cmps": components,
    }
