"""Real test peers (Dovecot, Mosquitto), certificates and helpers shared by the test suite."""
