"""The status page and the small HTTP API (ingress-aware)."""
