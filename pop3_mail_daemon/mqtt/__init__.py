"""MQTT for the daemon: an asyncio facade over paho, retained states, Home Assistant discovery."""
