"""Dovecot configuration for OAuth 2 logins: the ``oauth2`` passdb over RFC 7662 introspection.

A server started with an introspection URL accepts *only* OAuth 2 (SASL XOAUTH2 and
OAUTHBEARER): every login's token is introspected at the test provider
(:mod:`.oauth_provider`), and the user in the SASL message must equal the ``username`` the
provider answers (so a token of another user is refused). The users' homes still come from the
passwd-file userdb the fixture writes.
"""

from __future__ import annotations

from pathlib import Path

MECHANISMS = "xoauth2 oauthbearer"


def introspection_settings(url: str) -> dict[str, str]:
    """What the passdb asks the provider, and how it reads the answer."""
    return {
        "introspection_mode": "post",
        "introspection_url": url,
        "username_attribute": "username",
        "active_attribute": "active",
        "active_value": "true",
        # Ask the provider at every login: a revoked token must fail at once.
        "force_introspection": "yes",
    }


def oauth2_passdb(version: tuple[int, int], url: str, workdir: Path) -> str:
    """The passdb section for ``dovecot.conf`` of the release line ``version``.

    2.3 reads the OAuth 2 settings from a file named in ``args`` (written here, next to the
    configuration); 2.4 takes them in an ``oauth2`` block with ``oauth2_`` names.
    """
    settings = introspection_settings(url)
    if version >= (2, 4):
        lines = "\n".join(f"  oauth2_{key} = {value}" for key, value in settings.items())
        return f"oauth2 {{\n{lines}\n}}\n"
    args = workdir / "dovecot-oauth2.conf.ext"
    args.write_text("".join(f"{key} = {value}\n" for key, value in settings.items()))
    args.chmod(0o644)
    return f"passdb {{\n  driver = oauth2\n  mechanisms = {MECHANISMS}\n  args = {args}\n}}\n"
