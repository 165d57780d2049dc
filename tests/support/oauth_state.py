"""What the test OAuth 2 provider knows: clients, sign-ins, tokens, pending device logins.

Every method takes the provider's lock: the HTTP server runs in its own thread, tests change and
read the state from theirs. Answers are ``(HTTP status, JSON document)`` pairs in the forms of
RFC 6749 (token endpoint errors), RFC 8628 (device flow), RFC 7662 (introspection).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Answer = tuple[int, dict[str, Any]]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
APPROVED = "approved"
"""A device-login outcome: the user signed in and agreed."""
_serial = itertools.count(1)


@dataclass
class Grant:
    """One consent: the refresh tokens of one sign-in, rotated one after the other."""

    username: str
    client_id: str
    scope: str
    refresh_token: str
    revoked: bool = False


@dataclass
class AccessToken:
    """One access token and whom it speaks for."""

    username: str
    client_id: str
    scope: str
    grant: Grant
    expires_at: float
    active: bool = True


@dataclass
class DeviceLogin:
    """A device authorization waiting for the user (RFC 8628 §3.2)."""

    device_code: str
    user_code: str
    client_id: str
    scope: str
    outcomes: deque[str]
    """Answers to the next token polls: error codes, then :data:`APPROVED`."""
    username: str
    polls: int = 0


@dataclass
class AuthorizationCode:
    """A code handed to the browser's redirect (RFC 6749 §4.1.2)."""

    client_id: str
    redirect_uri: str
    scope: str
    username: str
    code_challenge: str | None


@dataclass
class ProviderState:
    """The provider's world. Tests set the public fields and call the helpers."""

    user: str = "alice"
    """Who signs in, in the browser and on the device page."""
    expires_in: int = 3600
    """Lifetime of new access tokens, in seconds."""
    interval: int = 0
    """Device flow polling interval handed out (0: tests need not wait)."""
    rotate_refresh_tokens: bool = True
    """Hand out a new refresh token at every refresh and retire the old one."""
    device_outcomes: list[str] = field(default_factory=lambda: ["authorization_pending", APPROVED])
    """Script for the next device login's polls."""
    browser_denies: bool = False
    """The next browser sign-in ends with ``error=access_denied``."""
    clients: dict[str, str | None] = field(default_factory=dict)
    """Registered client ids and their secrets (``None``: a public client)."""
    grants: list[Grant] = field(default_factory=list)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    devices: dict[str, DeviceLogin] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    grant_types: list[str] = field(default_factory=list)
    """The ``grant_type`` of every token request, in order."""
    introspections: int = 0
    _retired: set[str] = field(default_factory=set)
    """Refresh tokens rotated away (they no longer work)."""
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- what tests do -----------------------------------------------------------------------

    def register_client(self, client_id: str, secret: str | None = None) -> None:
        """Allow ``client_id`` (confidential when it has a ``secret``)."""
        with self.lock:
            self.clients[client_id] = secret

    def sign_in(self, username: str, client_id: str, scope: str) -> dict[str, Any]:
        """Tokens as if ``username`` had just signed in (what a finished login stores)."""
        with self.lock:
            return self._issue(username, client_id, scope, None)

    @property
    def refreshes(self) -> int:
        """Token requests with the ``refresh_token`` grant so far."""
        with self.lock:
            return self.grant_types.count("refresh_token")

    def revoke_consent(self, username: str | None = None) -> None:
        """The user withdraws consent: every refresh and access token of theirs stops working."""
        with self.lock:
            for grant in self.grants:
                if username is None or grant.username == username:
                    grant.revoked = True
            for token in self.access_tokens.values():
                if token.grant.revoked:
                    token.active = False

    def expire_access_tokens(self) -> None:
        """Every access token handed out so far expires now (refresh tokens stay good)."""
        with self.lock:
            for token in self.access_tokens.values():
                token.active = False

    def live_refresh_tokens(self) -> set[str]:
        """The refresh tokens that work right now."""
        with self.lock:
            return {grant.refresh_token for grant in self.grants if not grant.revoked}

    def all_tokens(self) -> set[str]:
        """Every access and refresh token ever handed out (to search logs and files for)."""
        with self.lock:
            return set(self.access_tokens) | {g.refresh_token for g in self.grants} | self._retired

    # -- endpoints ---------------------------------------------------------------------------

    def device_authorization(self, form: Mapping[str, str], base_url: str) -> Answer:
        """RFC 8628 §3.1-3.2."""
        with self.lock:
            if (error := self._client_error(form, need_secret=False)) is not None:
                return error
            code = f"dc-{secrets.token_urlsafe(24)}"
            user_code = f"{next(_serial):04d}-TEST"
            self.devices[code] = DeviceLogin(
                device_code=code,
                user_code=user_code,
                client_id=form["client_id"],
                scope=form.get("scope", ""),
                outcomes=deque(self.device_outcomes),
                username=self.user,
            )
            return 200, {
                "device_code": code,
                "user_code": user_code,
                "verification_uri": f"{base_url}/device",
                "verification_uri_complete": f"{base_url}/device?user_code={user_code}",
                "expires_in": 900,
                "interval": self.interval,
            }

    def token(self, form: Mapping[str, str]) -> Answer:
        """The token endpoint (RFC 6749 §4.1.3, §6; RFC 8628 §3.4-3.5)."""
        with self.lock:
            grant_type = form.get("grant_type", "")
            self.grant_types.append(grant_type)
            confidential = self.clients.get(form.get("client_id", "")) is not None
            if (error := self._client_error(form, need_secret=confidential)) is not None:
                return error
            if grant_type == DEVICE_GRANT:
                return self._device_token(form)
            if grant_type == "authorization_code":
                return self._code_token(form)
            if grant_type == "refresh_token":
                return self._refresh(form)
            return 400, {"error": "unsupported_grant_type"}

    def introspect(self, form: Mapping[str, str]) -> Answer:
        """RFC 7662 §2.2; what Dovecot's ``oauth2`` passdb asks for every login."""
        with self.lock:
            self.introspections += 1
            token = self.access_tokens.get(form.get("token", ""))
            if token is None or not token.active or token.expires_at < time.time():
                return 200, {"active": False}
            return 200, {
                "active": True,
                "username": token.username,
                "client_id": token.client_id,
                "scope": token.scope,
                "exp": int(token.expires_at),
            }

    def revoke(self, form: Mapping[str, str]) -> Answer:
        """RFC 7009 §2: revoking a refresh token ends its whole sign-in."""
        with self.lock:
            value = form.get("token", "")
            for grant in self.grants:
                if grant.refresh_token == value:
                    self.revoke_consent_of(grant)
            if value in self.access_tokens:
                self.access_tokens[value].active = False
            return 200, {}

    def revoke_consent_of(self, grant: Grant) -> None:
        """End one sign-in."""
        with self.lock:
            grant.revoked = True
            for token in self.access_tokens.values():
                if token.grant is grant:
                    token.active = False

    def authorize(self, query: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        """The browser sign-in (RFC 6749 §4.1.1): where to redirect, with which parameters."""
        with self.lock:
            redirect_uri = query.get("redirect_uri", "")
            state = query.get("state", "")
            if query.get("client_id") not in self.clients or query.get("response_type") != "code":
                return redirect_uri, {"error": "unauthorized_client", "state": state}
            if self.browser_denies:
                self.browser_denies = False
                return redirect_uri, {"error": "access_denied", "state": state}
            code = f"ac-{secrets.token_urlsafe(24)}"
            self.codes[code] = AuthorizationCode(
                client_id=query["client_id"],
                redirect_uri=redirect_uri,
                scope=query.get("scope", ""),
                username=self.user,
                code_challenge=query.get("code_challenge"),
            )
            return redirect_uri, {"code": code, "state": state}

    # -- grants ------------------------------------------------------------------------------

    def _device_token(self, form: Mapping[str, str]) -> Answer:
        login = self.devices.get(form.get("device_code", ""))
        if login is None or login.client_id != form.get("client_id"):
            return 400, {"error": "invalid_grant"}
        login.polls += 1
        outcome = login.outcomes.popleft() if len(login.outcomes) > 1 else login.outcomes[0]
        if outcome != APPROVED:
            if outcome in ("access_denied", "expired_token"):
                del self.devices[login.device_code]
            return 400, {"error": outcome}
        del self.devices[login.device_code]
        return 200, self._issue(login.username, login.client_id, login.scope, None)

    def _code_token(self, form: Mapping[str, str]) -> Answer:
        code = self.codes.pop(form.get("code", ""), None)
        if (
            code is None
            or code.client_id != form.get("client_id")
            or code.redirect_uri != form.get("redirect_uri")
        ):
            return 400, {"error": "invalid_grant", "error_description": "unknown code"}
        if code.code_challenge is not None:
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != code.code_challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE mismatch"}
        return 200, self._issue(code.username, code.client_id, code.scope, None)

    def _refresh(self, form: Mapping[str, str]) -> Answer:
        value = form.get("refresh_token", "")
        grant = next((g for g in self.grants if g.refresh_token == value), None)
        if grant is None or grant.revoked or grant.client_id != form.get("client_id"):
            return 400, {"error": "invalid_grant", "error_description": "refresh token revoked"}
        return 200, self._issue(grant.username, grant.client_id, grant.scope, grant)

    def _issue(
        self, username: str, client_id: str, scope: str, grant: Grant | None
    ) -> dict[str, Any]:
        if grant is None:
            grant = Grant(username, client_id, scope, f"rt-{secrets.token_urlsafe(32)}")
            self.grants.append(grant)
        elif self.rotate_refresh_tokens:
            self._retired.add(grant.refresh_token)
            grant.refresh_token = f"rt-{secrets.token_urlsafe(32)}"
        access = f"at-{secrets.token_urlsafe(32)}"
        self.access_tokens[access] = AccessToken(
            username, client_id, scope, grant, time.time() + self.expires_in
        )
        document: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": scope,
            "refresh_token": grant.refresh_token,
        }
        if "openid" in scope.split():
            document["id_token"] = _id_token(username, client_id)
        return document

    def _client_error(self, form: Mapping[str, str], *, need_secret: bool) -> Answer | None:
        client_id = form.get("client_id", "")
        if client_id not in self.clients:
            return 401, {"error": "invalid_client", "error_description": "unknown client"}
        if need_secret and form.get("client_secret") != self.clients[client_id]:
            return 401, {"error": "invalid_client", "error_description": "wrong secret"}
        return None


def _id_token(username: str, client_id: str) -> str:
    """An OpenID Connect ID token (unsigned: clients read it straight from the token endpoint)."""
    now = int(time.time())
    claims = {"sub": username, "aud": client_id, "email": username, "iat": now, "exp": now + 3600}
    parts = [{"alg": "none", "typ": "JWT"}, claims]
    encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=") for p in parts]
    return b".".join([*encoded, b""]).decode()
