"""The daemon adapter: the engine outside Home Assistant (CLI, MQTT discovery, status page, add-on).

It imports the engine by its name ``pop3_mail`` and nothing from Home Assistant; none of it is
in the folder HACS copies.
"""
