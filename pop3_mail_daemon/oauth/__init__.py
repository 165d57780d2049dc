"""OAuth 2 for the daemon: sign-in (device flow, browser), the token file, refreshing tokens."""
