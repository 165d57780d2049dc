"""What ``pop3-mail login`` does once its arguments are read (see :mod:`..login_command`)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from pop3_mail.errors import StateStoreError, TokenUnavailableError

from ..blocking import run_in_daemon_thread
from ..config.loader import AccountConfig, ConfigFileError, load_config
from ..log_masking import configure_logging
from ..login_command import (
    EXIT_CONFIG,
    EXIT_DECLINED,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_UNREACHABLE,
    fail,
)
from .code_flow import browser_login
from .device_flow import SignInEndedError, wait_for_approval
from .endpoint import (
    DeviceAuthorization,
    HttpClient,
    ProviderError,
    TokenAnswer,
    TokenEndpoint,
)
from .sign_in import store_sign_in
from .store import TokenStore


def sign_in_account(config_path: Path, name: str) -> int:
    """Sign ``name`` of the configuration at ``config_path`` in; returns the exit code."""
    try:
        config = load_config(config_path)
    except ConfigFileError as err:
        for problem in err.problems:
            fail(EXIT_CONFIG, problem)
        return EXIT_CONFIG
    account = next((a for a in config.accounts if a.name == name), None)
    if account is None:
        names = ", ".join(a.name for a in config.accounts)
        return fail(EXIT_CONFIG, f"--account: no account {name!r} in {config_path} ({names})")
    if account.oauth2 is None:
        return fail(
            EXIT_CONFIG, f"accounts: {name!r} logs in with a password; it has no oauth2 section"
        )
    configure_logging("warning", config.secrets)
    return asyncio.run(_sign_in(account, TokenStore(config.state_dir, account.name)))


async def _sign_in(account: AccountConfig, store: TokenStore) -> int:
    assert account.oauth2 is not None
    http = HttpClient()
    endpoint = TokenEndpoint(http, account.oauth2)
    try:
        answer = await _run_flow(account, endpoint)
        await store_sign_in(endpoint, store, answer)
    except SignInEndedError as err:
        return fail(EXIT_DECLINED, f"{account.name}: {err}")
    except ProviderError as err:
        return fail(
            EXIT_CONFIG,
            f"{account.name}: {endpoint.host} refused the sign-in ({err.reason}); check "
            "client_id, tenant and the app's permissions",
        )
    except TokenUnavailableError as err:
        return fail(EXIT_UNREACHABLE, f"{account.name}: {err}")
    except StateStoreError as err:
        return fail(EXIT_INTERNAL, f"{account.name}: {err}")
    finally:
        await http.close()
    print(
        f"Signed in. The refresh token of {account.name} is stored in {store.path} (readable "
        "by its owner only); `pop3-mail run` uses it from its next login."
    )
    return EXIT_OK


async def _run_flow(account: AccountConfig, endpoint: TokenEndpoint) -> TokenAnswer:
    assert account.oauth2 is not None
    if account.oauth2.device_flow:
        authorization = await endpoint.start_device_login()
        _show_code(account.name, authorization)
        return await wait_for_approval(endpoint, authorization)
    return await browser_login(
        endpoint, announce=lambda url: _show_link(account.name, url), pasted=_read_line
    )


def _show_code(name: str, authorization: DeviceAuthorization) -> None:
    minutes = max(1, round(authorization.expires_in / 60))
    print(f"To sign in account {name}, open {authorization.verification_uri}")
    print(f"and enter the code {authorization.user_code} (valid for {minutes} minutes).")
    if authorization.verification_uri_complete:
        print(f"Or open {authorization.verification_uri_complete}")
    print("Waiting for the sign-in ...", flush=True)


def _show_link(name: str, url: str) -> None:
    print(f"To sign in account {name}, open this address in a browser:")
    print(f"    {url}")
    print(
        "If that browser runs on another machine, the page it is sent to at the end does not "
        "load: copy that page's address (http://127.0.0.1:...) and paste it here.",
        flush=True,
    )


async def _read_line() -> str:
    # A daemon thread: a stdin nobody types into must not keep the process alive at the end.
    line: str = await run_in_daemon_thread(sys.stdin.readline)
    if not line:
        await asyncio.Event().wait()  # end of input: only the browser's redirect can finish
    return line
