"""Rules and dispatch: send matching mail to MQTT and apprise, at least once, via an outbox."""
