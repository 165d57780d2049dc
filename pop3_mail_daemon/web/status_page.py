"""The HTML status page: one self-contained document, every value escaped.

Links and requests are relative (``api/status``), so the page works at ``/`` and behind
Home Assistant ingress (``/api/hassio_ingress/<token>/``) alike. Mail subjects and senders come
from strangers: everything that is not a literal of this module goes through :func:`html.escape`.

*Check now* is a button whose script posts a JSON request with a custom header (which a form
on another site cannot send), then watches ``api/status`` until that account's check has run
and reloads the page, so the values shown are the new ones. The script is a literal of this
module, allowed by its hash in the page's Content-Security-Policy (:data:`SCRIPT_POLICY`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any, Final

REFRESH_SECONDS = 30
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
CHECK_HEADER: Final = "X-Requested-With"
"""The custom header the page's *Check now* sends (with ``Content-Type: application/json``)."""
CHECK_HEADER_VALUE: Final = "pop3-mail-status-page"

STATUS_WORDS: Final[Mapping[str, str]] = {
    "starting": "Starting",
    "ok": "OK",
    "busy": "Server busy, trying again later",
    "oauth_unavailable": "Sign-in service not reachable, trying again later",
    "auth_failed": "Login rejected",
    "connection_failed": "Server not reachable",
    "tls_failed": "Secure connection failed",
    "server_refused": "POP access refused by the provider",
    "protocol_error": "Server answered wrongly",
    "state_error": "Cannot save its state",
    "error": "Error",
}
"""The account statuses of the API (``pop3_mail_daemon.status.Health``) in words."""

_SCRIPT = """
document.querySelectorAll("button.check").forEach(function (button) {
  button.addEventListener("click", async function () {
    var name = button.dataset.account, note = button.nextElementSibling;
    var status = async function () {
      var answer = await fetch("api/status", {cache: "no-store"});
      return (await answer.json()).accounts.find(function (a) { return a.name === name; });
    };
    button.disabled = true;
    note.textContent = "Checking…";
    try {
      var before = (await status()).polls;
      var answer = await fetch("api/accounts/" + encodeURIComponent(name) + "/check", {
        method: "POST",
        headers: {"Content-Type": "application/json", "HEADER": "VALUE"},
        body: "{}"
      });
      if (!answer.ok) { throw new Error("HTTP " + answer.status); }
      var result = await answer.json();
      if (result.result === "scheduled") {
        note.textContent = "The server allows the next check at " + result.next_poll + ".";
      }
      for (var tries = 0; tries < 120; tries++) {
        await new Promise(function (done) { setTimeout(done, 1000); });
        var now = await status();
        if (now.polls > before && !now.polling) { location.reload(); return; }
      }
      note.textContent = "The check has not finished yet; reload the page later.";
    } catch (error) {
      note.textContent = "Check failed: " + error.message;
    }
    button.disabled = false;
  });
});
""".replace('"HEADER": "VALUE"', f'"{CHECK_HEADER}": "{CHECK_HEADER_VALUE}"')

SCRIPT_POLICY: Final = (
    "script-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    + "'; connect-src 'self'"
)
"""The Content-Security-Policy directives that let the page's own script (and nothing else)
run and talk to the daemon."""

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1c1c1c;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .3rem}
.meta{color:#555;margin-bottom:1rem}
.account{background:#fff;border:1px solid #ddd;border-radius:8px;padding:1rem;margin:0 0 1rem}
.account h2{font-size:1.1rem;margin:0 0 .5rem}
.status{display:inline-block;padding:.1rem .5rem;border-radius:4px;font-size:.85rem}
.status-ok{background:#d9f2dc}.status-busy,.status-starting{background:#fff1c2}
.status-bad{background:#f9d6d5}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}
dt{color:#555}dd{margin:0}
ul{margin:.3rem 0;padding-left:1.2rem}
.error{color:#a40000}
button{padding:.3rem .8rem}
.note{margin-left:.6rem;color:#555}
"""

_GOOD = {"ok"}
_PENDING = {"busy", "starting", "oauth_unavailable"}


def render_status_page(status: Mapping[str, Any]) -> str:
    """The whole page for the ``/api/status`` document ``status``."""
    accounts: Sequence[Mapping[str, Any]] = status.get("accounts", [])
    mqtt = status.get("mqtt")
    if mqtt is None:
        mqtt_line = "MQTT: not configured"
    else:
        state = "connected" if mqtt.get("connected") else "not connected"
        mqtt_line = f"MQTT: {state} ({mqtt.get('host')}:{mqtt.get('port')})"
    body = "".join(_account(account) for account in accounts) or "<p>No accounts.</p>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>POP3 Mail</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>POP3 Mail</h1>"
        f'<p class="meta">Version {escape(str(status.get("version", "")))} · '
        f'{escape(mqtt_line)} · <a href="api/status">JSON</a></p>'
        f"{body}<script>{_SCRIPT}</script></body></html>\n"
    )


def _account(account: Mapping[str, Any]) -> str:
    name = escape(str(account.get("name", "")))
    health = str(account.get("status", ""))
    css = "status-ok" if health in _GOOD else "status-busy" if health in _PENDING else "status-bad"
    newest = account.get("newest") or []
    subjects = "".join(
        f"<li>{escape(item.get('subject') or '(no subject)')}"
        f"{' — ' + escape(item['sender']) if item.get('sender') else ''}"
        f"{' · ' + escape(_time(item['date'])) if item.get('date') else ''}</li>"
        for item in newest
    )
    error = account.get("last_error")
    rows = [
        ("Server", f"{account.get('host')}:{account.get('port')}"),
        (
            "Last poll",
            _time(account.get("last_poll")) + (" (checking now)" if account.get("polling") else ""),
        ),
        ("Next poll", _time(account.get("next_poll"))),
        ("Unread", _number(account.get("unread"))),
        ("Messages", _number(account.get("messages"))),
        ("Outbox", _number(account.get("outbox_size"))),
    ]
    details = "".join(f"<dt>{label}</dt><dd>{escape(value)}</dd>" for label, value in rows)
    if error:
        details += f'<dt>Last error</dt><dd class="error">{escape(str(error))}</dd>'
    return (
        f'<section class="account" id="account-{name}">'
        f'<h2>{name} <span class="status {css}" title="{escape(health)}">'
        f"{escape(STATUS_WORDS.get(health, health))}</span></h2>"
        f"<dl>{details}</dl>"
        f"<div>Newest messages:</div><ul>{subjects or '<li>none yet</li>'}</ul>"
        f'<button type="button" class="check" data-account="{name}">Check now</button>'
        '<span class="note" role="status"></span>'
        "<noscript> (Check now needs JavaScript.)</noscript>"
        f"{_sign_in_link(account)}"
        "</section>"
    )


def _sign_in_link(account: Mapping[str, Any]) -> str:
    """For an OAuth 2 account: the way to its sign-in page (and why, when it needs one)."""
    if not account.get("oauth2"):
        return ""
    name = escape(str(account.get("name", "")))
    why = (
        " (needed: the sign-in is no longer valid)"
        if account.get("status") == "auth_failed"
        else ""
    )
    return f'<p><a href="accounts/{name}/sign-in">Sign in</a>{why}</p>'


def _time(value: object) -> str:
    """Every time on the page in one format, in the daemon's time zone."""
    if not isinstance(value, str):
        return "—"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return moment.strftime(TIME_FORMAT)  # a date without a zone: shown as it was given
    return moment.astimezone().strftime(TIME_FORMAT + " %Z")


def _number(value: object) -> str:
    return "—" if value is None else str(value)
