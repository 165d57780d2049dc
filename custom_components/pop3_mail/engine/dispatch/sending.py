"""Sending one outbox entry through its channel; a surprise there costs a retry, not the message."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import assert_never

from .apprise_channel import AppriseChannels, TargetGoneError
from .attachments import AttachmentFile
from .deliveries import MqttDelivery, NotifyDelivery, OutboxEntry
from .mqtt_channel import MqttChannel
from .publisher import DeliveryError

_LOGGER = logging.getLogger(__name__)


class Sender:
    """Hands each entry to the MQTT or the apprise channel."""

    def __init__(self, *, account: str, mqtt: MqttChannel, apprise: AppriseChannels) -> None:
        """Send through ``mqtt`` and ``apprise`` for ``account`` (the name logs carry)."""
        self._account = account
        self._mqtt = mqtt
        self._apprise = apprise

    async def deliver(self, entry: OutboxEntry, attachments: Sequence[AttachmentFile]) -> None:
        """Send one entry (``attachments`` go with a notification).

        Raises:
            DeliveryError: it did not arrive; worth a retry.
            TargetGoneError: its target is no longer configured.
        """
        try:
            await self._send(entry, attachments)
        except (DeliveryError, TargetGoneError, asyncio.CancelledError):
            raise
        except Exception as err:
            # A bug in a publisher or plugin must cost a retry, not the message. Only the type
            # and where it was raised are logged: exception texts from third-party code may
            # quote URLs with their tokens.
            _LOGGER.warning(
                "%s: delivery to %s raised %s at %s",
                self._account,
                entry.label,
                type(err).__name__,
                _raised_at(err),
            )
            raise DeliveryError(f"unexpected {type(err).__name__}") from None

    async def _send(self, entry: OutboxEntry, attachments: Sequence[AttachmentFile]) -> None:
        match entry.delivery:
            case MqttDelivery() as message:
                await self._mqtt.send(message)
            case NotifyDelivery() as notification:
                await self._apprise.send(notification, attachments)
            case unknown:
                assert_never(unknown)


def _raised_at(err: BaseException) -> str:
    """``file:line in function`` where ``err`` was raised (no message, no variables)."""
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return "an unknown place"
    frame = frames[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
