"""Home Assistant custom integrations of this repository (see pop3_mail)."""
