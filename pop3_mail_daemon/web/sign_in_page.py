"""The sign-in page of an OAuth 2 account: get a code, open the link, see it succeed.

The page's one script asks ``api/accounts/<name>/sign-in`` for a code (a JSON ``POST`` with
the custom request header, which a cross-site form cannot send) and then polls the same URL
until the sign-in is finished. Everything it shows goes in as text (``textContent``), never as
markup; the script is fixed (allowed by its hash in the Content-Security-Policy) and reads the
account from a data attribute.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

_SCRIPT = """
const body = document.body;
const api = "api/accounts/" + body.dataset.account + "/sign-in";
const headers = {"Content-Type": "application/json", "X-Requested-With": "pop3-mail-status-page"};
const $ = (id) => document.getElementById(id);
const words = {
  pending: "Waiting for you to sign in ...",
  signed_in: "Signed in. The account is checked now; you can close this page.",
  declined: "The sign-in was declined.",
  expired: "The code expired. Get a new one.",
  failed: "The sign-in failed.",
  idle: "",
};
function show(status) {
  $("state").textContent = words[status.state] || status.state;
  $("error").textContent = status.error || "";
  const pending = status.state === "pending";
  $("code-box").hidden = !pending;
  if (pending) {
    $("code").textContent = status.user_code;
    const link = $("link");
    link.textContent = status.verification_uri;
    link.href = status.verification_uri_complete || status.verification_uri;
  }
  $("start").disabled = pending;
  if (pending) setTimeout(poll, 3000);
}
async function poll() {
  const answer = await fetch(api, {headers, cache: "no-store"});
  show(await answer.json());
}
$("start").addEventListener("click", async () => {
  $("start").disabled = true;
  const answer = await fetch(api, {method: "POST", headers, body: "{}"});
  const status = await answer.json();
  show(answer.ok ? status : {state: "failed", error: status.error});
});
poll();
"""

SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
PAGE_POLICY = (
    f"default-src 'none'; script-src '{SCRIPT_HASH}'; connect-src 'self'; "
    "style-src 'unsafe-inline'; base-uri 'self'; form-action 'none'"
)

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1c1c1c;background:#fafafa}
.box{background:#fff;border:1px solid #ddd;border-radius:8px;padding:1rem;max-width:36rem}
#code{font-size:1.6rem;font-weight:bold;letter-spacing:.1rem}
.error{color:#a40000}
button{padding:.3rem .8rem}
"""


def render_sign_in_page(account: str, base: str) -> str:
    """The page for ``account``; ``base`` is where relative links start (ingress prefix)."""
    name = escape(account)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<base href="{escape(base)}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Sign in {name} · POP3 Mail</title><style>{_STYLE}</style></head>"
        f'<body data-account="{name}"><div class="box">'
        f"<h1>Sign in {name}</h1>"
        "<p>Get a code, open the link on any device, enter the code there and agree. "
        "The mailbox is read with the permission you give; no password is stored.</p>"
        '<button id="start" type="button">Get a sign-in code</button>'
        '<div id="code-box" hidden><p>Open <a id="link" target="_blank" rel="noopener '
        'noreferrer"></a> and enter</p><p id="code"></p></div>'
        '<p id="state"></p><p id="error" class="error"></p>'
        '<p><a href="./">Back to the status page</a></p>'
        f"</div><script>{_SCRIPT}</script></body></html>\n"
    )


def render_outside_ingress(account: str) -> str:
    """What the sign-in link shows outside Home Assistant's ingress: the command to run."""
    name = escape(account)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8"><title>Sign in · POP3 Mail</title>'
        f'<style>{_STYLE}</style></head><body><div class="box"><h1>Sign in {name}</h1>'
        "<p>Signing in from this page works in the Home Assistant add-on only. Here, run</p>"
        f"<p><code>pop3-mail login --config FILE --account {name}</code></p>"
        '<p><a href="../../">Back to the status page</a></p></div></body></html>\n'
    )
