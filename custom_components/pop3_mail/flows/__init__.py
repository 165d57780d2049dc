"""The integration's forms: connection (add, reauth, reconfigure), polling options, rules."""
