"""Standalone daemon: runs the engine outside Home Assistant (MQTT discovery, status page)."""
