"""Every path of the config, reauth, reconfigure and options flows."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest
import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events  # type: ignore[import-untyped]

from custom_components.pop3_mail.const import (
    CONF_CAFILE,
    CONF_COUNT_EXISTING_AS_UNREAD,
    CONF_INSECURE_CONFIRMED,
    CONF_MAX_NEW_PER_POLL,
    CONF_SCAN_INTERVAL,
    CONF_SECURITY,
    CONF_SNIPPET_LENGTH,
    DOMAIN,
    EVENT_RECEIVED,
)
from pop3_mail.errors import (
    AuthError,
    LoginDelayError,
    MailboxInUseError,
    PermanentServerError,
    Pop3TimeoutError,
    TransientServerError,
)
from pop3_mail.mailbox import Mailbox
from tests.integration.conftest import (
    STRINGS,
    advance,
    assert_placeholders_supplied,
    make_message,
)
from tests.support.certs import CertFiles, make_certificates, make_self_signed
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.ports import free_port
from tests.support.tls_listener import tls_listener

TRY_LOGIN = "custom_components.pop3_mail.flows.connection.async_try_login"
SETUP_ENTRY = "custom_components.pop3_mail.async_setup_entry"


CERTIFICATE_FIELDS = (CONF_VERIFY_SSL, CONF_CAFILE)


def as_form(values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat values as the frontend sends them: the certificate fields in their section."""
    form = {key: value for key, value in values.items() if key not in CERTIFICATE_FIELDS}
    form["certificate"] = {key: values[key] for key in CERTIFICATE_FIELDS if key in values}
    return form


def flat_input(dovecot: DovecotServer, mail_user: MailUser, **changes: Any) -> dict[str, Any]:
    """What a user types for the fixture mailbox (implicit TLS, test CA), as entry data."""
    values: dict[str, Any] = {
        CONF_HOST: dovecot.host,
        CONF_SECURITY: "ssl",
        CONF_PORT: dovecot.pop3s_port,
        CONF_VERIFY_SSL: True,
        CONF_CAFILE: dovecot.cafile,
        CONF_USERNAME: mail_user.username,
        CONF_PASSWORD: mail_user.password,
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def user_input(dovecot: DovecotServer, mail_user: MailUser, **changes: Any) -> dict[str, Any]:
    """The user form as the frontend submits it."""
    return as_form(flat_input(dovecot, mail_user, **changes))


def server_fields(
    dovecot: DovecotServer,
    security: str,
    port: int,
    *,
    verify: bool = True,
    cafile: str | None = None,
) -> dict[str, Any]:
    """The reconfigure step's fields."""
    fields: dict[str, Any] = {
        CONF_HOST: dovecot.host,
        CONF_SECURITY: security,
        CONF_PORT: port,
        CONF_VERIFY_SSL: verify,
    }
    if cafile is not None:
        fields[CONF_CAFILE] = cafile
    return as_form(fields)


def schema_of(result: ConfigFlowResult) -> vol.Schema:
    schema = result["data_schema"]
    assert schema is not None
    return schema


def placeholders(result: ConfigFlowResult) -> Mapping[str, str]:
    values = result["description_placeholders"]
    assert values is not None
    return values


def entry_state(entry: ConfigEntry) -> ConfigEntryState:
    return entry.state


async def choose(hass: HomeAssistant, result: ConfigFlowResult, step: str) -> ConfigFlowResult:
    """Pick a menu option."""
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": step})


def suggested(result: ConfigFlowResult) -> dict[str, Any]:
    """The suggested values of a form, sections nested."""
    values: dict[str, Any] = {}
    for key, value in schema_of(result).schema.items():
        inner = getattr(value, "schema", None)
        if isinstance(inner, vol.Schema):
            values[str(key)] = {
                str(k): (k.description or {}).get("suggested_value") for k in inner.schema
            }
        else:
            values[str(key)] = (key.description or {}).get("suggested_value")
    return values


def section_collapsed(result: ConfigFlowResult, name: str) -> bool:
    field = next(value for key, value in schema_of(result).schema.items() if str(key) == name)
    return bool(field.options["collapsed"])


async def start_user_flow(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    # The first step asks how the mailbox logs in; here: with a password.
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["password", "microsoft", "google"]
    assert_placeholders_supplied(result, "config")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "password"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "password"
    assert result["errors"] == {}
    assert_placeholders_supplied(result, "config")
    return result


async def test_user_flow_creates_an_entry(
    hass: HomeAssistant, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    result = await start_user_flow(hass)
    assert section_collapsed(result, "certificate")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        user_input(dovecot, mail_user, **{CONF_HOST: f" {dovecot.host} "}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"{mail_user.username}@{dovecot.host}"
    assert result["data"] == flat_input(dovecot, mail_user)
    assert result["options"] == {CONF_COUNT_EXISTING_AS_UNREAD: False}
    entry = result["result"]
    assert entry.unique_id == f"{mail_user.username}@127.0.0.1:{dovecot.pop3s_port}"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_existing_mail_can_start_unread(
    hass: HomeAssistant, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    mail_user.deliver(make_message("Already there"))
    mail_user.deliver(make_message("Also there"))
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        user_input(dovecot, mail_user, **{CONF_COUNT_EXISTING_AS_UNREAD: True}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {CONF_COUNT_EXISTING_AS_UNREAD: True}
    assert CONF_COUNT_EXISTING_AS_UNREAD not in result["data"]
    await hass.async_block_till_done()
    assert result["result"].runtime_data.data.unread == 2


async def test_the_ca_file_is_there_without_advanced_mode(hass: HomeAssistant) -> None:
    """Advanced mode is not asked for (the flow does not read it, test_metadata checks): the
    CA file sits in the certificate section, collapsed."""
    result = await start_user_flow(hass)
    assert set(suggested(result)["certificate"]) == {CONF_VERIFY_SSL, CONF_CAFILE}
    assert section_collapsed(result, "certificate")


async def test_a_relative_ca_file_is_read_from_the_config_folder(
    hass: HomeAssistant, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    certs = Path(hass.config.path("certs"))
    await hass.async_add_executor_job(_copy, Path(dovecot.cafile), certs / "ca.pem")
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(dovecot, mail_user, **{CONF_CAFILE: "certs/ca.pem"})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CAFILE] == "certs/ca.pem"  # kept as typed: the folder may move
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


async def test_email_username_is_the_title(hass: HomeAssistant, dovecot: DovecotServer) -> None:
    user = dovecot.add_user("carol@example.com")
    result = await start_user_flow(hass)
    with patch(TRY_LOGIN), patch(SETUP_ENTRY, return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(dovecot, user)
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "carol@example.com"


async def test_port_defaults_to_the_security_mode(
    hass: HomeAssistant, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    result = await start_user_flow(hass)
    with patch(TRY_LOGIN) as try_login, patch(SETUP_ENTRY, return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(dovecot, mail_user, **{CONF_PORT: None})
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PORT] == 995
    assert try_login.call_args.args[1].effective_port == 995


async def test_starttls_without_verification(
    hass: HomeAssistant, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        user_input(
            dovecot,
            mail_user,
            **{
                CONF_SECURITY: "starttls",
                CONF_PORT: dovecot.pop3_port,
                CONF_VERIFY_SSL: False,
                CONF_CAFILE: " ",
            },
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_CAFILE not in result["data"]
    assert result["data"][CONF_SECURITY] == "starttls"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({CONF_PASSWORD: "wrong"}, "invalid_auth"),
        ({CONF_PORT: "closed"}, "cannot_connect"),
        ({CONF_CAFILE: None}, "cert_unknown_ca"),  # the test CA is not in the system store
        ({CONF_VERIFY_SSL: False}, "invalid_settings"),  # a CA file but no verification
        ({CONF_CAFILE: "/nonexistent/ca.pem"}, "invalid_settings"),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant,
    dovecot: DovecotServer,
    mail_user: MailUser,
    changes: dict[str, Any],
    error: str,
) -> None:
    if changes.get(CONF_PORT) == "closed":
        changes = {CONF_PORT: free_port()}
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(dovecot, mail_user, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert_placeholders_supplied(result, "config")
    if error not in ("invalid_auth", "cert_unknown_ca"):
        assert placeholders(result)["error"]
    # What was typed is shown again, the password included: nothing to type twice.
    assert suggested(result)[CONF_PASSWORD] == changes.get(CONF_PASSWORD, mail_user.password)
    assert suggested(result)[CONF_USERNAME] == mail_user.username
    # A certificate problem opens the section where it is solved.
    assert section_collapsed(result, "certificate") == (error != "cert_unknown_ca")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(dovecot, mail_user)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("exception", "error"),
    [
        (Pop3TimeoutError("the server did not answer within 15 s"), "timeout"),
        (MailboxInUseError("[IN-USE] locked", response_code="IN-USE"), "in_use"),
        (LoginDelayError("[LOGIN-DELAY] wait", retry_after=300), "try_later"),
        (TransientServerError("[SYS/TEMP] later", response_code="SYS/TEMP"), "try_later"),
        (PermanentServerError("[SYS/PERM] POP disabled", response_code="SYS/PERM"), "pop_disabled"),
        (RuntimeError("bug"), "unknown"),
    ],
)
async def test_user_flow_server_faults(
    hass: HomeAssistant,
    dovecot: DovecotServer,
    mail_user: MailUser,
    exception: Exception,
    error: str,
) -> None:
    result = await start_user_flow(hass)
    with patch(TRY_LOGIN, side_effect=exception):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(dovecot, mail_user)
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}


async def test_plain_needs_a_confirmation(
    hass: HomeAssistant, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    result = await start_user_flow(hass)
    plain = user_input(
        dovecot,
        mail_user,
        **{CONF_SECURITY: "plain", CONF_PORT: dovecot.pop3_port, CONF_CAFILE: None},
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], plain)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "insecure"
    assert result["menu_options"] == ["insecure_accept", "insecure_back"]
    assert result["description_placeholders"] == {"host": dovecot.host}
    assert_placeholders_supplied(result, "config")

    # The way back is real: the form again, with everything entered.
    result = await choose(hass, result, "insecure_back")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "password"
    assert suggested(result)[CONF_SECURITY] == "plain"
    assert suggested(result)[CONF_PASSWORD] == mail_user.password
    assert_placeholders_supplied(result, "config")

    result = await hass.config_entries.flow.async_configure(result["flow_id"], plain)
    assert result["step_id"] == "insecure"
    result = await choose(hass, result, "insecure_accept")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_INSECURE_CONFIRMED] is True
    assert result["data"][CONF_SECURITY] == "plain"


async def test_plain_confirmed_then_login_fails(
    hass: HomeAssistant, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    result = await start_user_flow(hass)
    plain = user_input(
        dovecot,
        mail_user,
        **{CONF_SECURITY: "plain", CONF_PORT: free_port(), CONF_CAFILE: None},
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], plain)
    result = await choose(hass, result, "insecure_accept")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "password"
    assert result["errors"] == {"base": "cannot_connect"}

    # Corrected settings are confirmed again before the password is sent in clear text.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**plain, CONF_PORT: dovecot.pop3_port}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "insecure"
    result = await choose(hass, result, "insecure_accept")
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_second_add_is_aborted(
    hass: HomeAssistant,
    dovecot: DovecotServer,
    mail_user: MailUser,
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    make_entry()
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(dovecot, mail_user, **{CONF_HOST: "127.0.0.1"})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant,
    dovecot: DovecotServer,
    mail_user: MailUser,
    entry_data: dict[str, Any],
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    entry = make_entry({**entry_data, CONF_PASSWORD: "old password"})
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == "reauth"
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"])
    assert result["step_id"] == "reauth_confirm"
    assert placeholders(result)[CONF_USERNAME] == mail_user.username
    assert_placeholders_supplied(result, "config")

    # (Dovecot delays every failed login more than the last: fake this one.)
    with patch(TRY_LOGIN, side_effect=AuthError("[AUTH] Authentication failed.")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PASSWORD: "still wrong"}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert suggested(result)[CONF_PASSWORD] == "still wrong"  # to correct, not to retype
    assert_placeholders_supplied(result, "config")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: mail_user.password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == mail_user.password
    await hass.async_block_till_done()
    assert entry_state(entry) is ConfigEntryState.LOADED


async def test_reconfigure_keeps_the_state(
    hass: HomeAssistant,
    dovecot: DovecotServer,
    mail_user: MailUser,
    loaded_entry: MockConfigEntry,
) -> None:
    events = async_capture_events(hass, EVENT_RECEIVED)
    mail_user.deliver(make_message("Announced before the change"))
    await advance(hass, 300)
    assert len(events) == 1

    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    assert_placeholders_supplied(result, "config")
    # Switch from implicit TLS to STARTTLS on the other port: the same maildrop.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        server_fields(dovecot, "starttls", dovecot.pop3_port, cafile=dovecot.cafile),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.data[CONF_SECURITY] == "starttls"
    assert loaded_entry.data[CONF_PASSWORD] == mail_user.password
    assert loaded_entry.unique_id == f"{mail_user.username}@127.0.0.1:{dovecot.pop3_port}"
    assert loaded_entry.title == mail_user.username  # a title the user chose is kept
    # The reconfigured entry knows what was announced: no second event, still unread.
    assert len(events) == 1
    assert loaded_entry.runtime_data.data.unread == 1


async def test_reconfigure_updates_a_generated_title_and_keeps_the_ca_file(
    hass: HomeAssistant,
    dovecot: DovecotServer,
    mail_user: MailUser,
    entry_data: dict[str, Any],
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"{mail_user.username}@{dovecot.host}",
        unique_id="old",
        data={**entry_data, CONF_HOST: "old.example.com"},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert suggested(result)["certificate"][CONF_CAFILE] == dovecot.cafile
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        server_fields(dovecot, "ssl", dovecot.pop3s_port, cafile=dovecot.cafile),
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_CAFILE] == dovecot.cafile
    assert entry.title == f"{mail_user.username}@{dovecot.host}"
    await hass.async_block_till_done()


async def test_reconfigure_same_server_other_verification(
    hass: HomeAssistant, dovecot: DovecotServer, loaded_entry: MockConfigEntry
) -> None:
    unique_id = loaded_entry.unique_id
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        server_fields(dovecot, "ssl", dovecot.pop3s_port, verify=False),
    )
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.unique_id == unique_id
    assert loaded_entry.data[CONF_VERIFY_SSL] is False
    assert CONF_CAFILE not in loaded_entry.data
    await hass.async_block_till_done()


async def test_reconfigure_to_plain_and_errors(
    hass: HomeAssistant,
    dovecot: DovecotServer,
    mail_user: MailUser,
    loaded_entry: MockConfigEntry,
) -> None:
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        server_fields(dovecot, "plain", free_port()),
    )
    assert result["step_id"] == "insecure"
    result = await choose(hass, result, "insecure_back")
    assert result["step_id"] == "reconfigure"
    assert suggested(result)[CONF_SECURITY] == "plain"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], server_fields(dovecot, "plain", free_port())
    )
    result = await choose(hass, result, "insecure_accept")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "cannot_connect"}
    assert_placeholders_supplied(result, "config")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        server_fields(dovecot, "plain", dovecot.pop3_port),
    )
    assert result["step_id"] == "insecure"
    result = await choose(hass, result, "insecure_accept")
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.data[CONF_SECURITY] == "plain"
    assert CONF_CAFILE not in loaded_entry.data
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_reconfigure_onto_another_entry_is_aborted(
    hass: HomeAssistant,
    dovecot: DovecotServer,
    mail_user: MailUser,
    entry_data: dict[str, Any],
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    make_entry()
    other = make_entry({**entry_data, CONF_PORT: dovecot.pop3_port, CONF_SECURITY: "starttls"})
    result = await other.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        server_fields(dovecot, "ssl", dovecot.pop3s_port, cafile=dovecot.cafile),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def open_settings(hass: HomeAssistant, entry_id: str) -> ConfigFlowResult:
    """The options flow: the polling settings."""
    result = await hass.config_entries.options.async_init(entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert_placeholders_supplied(result, "options")
    return result


LIMITS = {
    "scan_interval_min": "30",
    "scan_interval_max": "86400",
    "snippet_length_min": "0",
    "snippet_length_max": "2000",
    "max_new_per_poll_min": "1",
    "max_new_per_poll_max": "200",
}


async def test_options_apply_without_a_reload(
    hass: HomeAssistant, make_entry: Callable[..., MockConfigEntry]
) -> None:
    loaded_entry = make_entry(options={CONF_COUNT_EXISTING_AS_UNREAD: True})
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = loaded_entry.runtime_data
    result = await open_settings(hass, loaded_entry.entry_id)
    assert result["description_placeholders"] == LIMITS
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SCAN_INTERVAL: 60, CONF_SNIPPET_LENGTH: 50, CONF_MAX_NEW_PER_POLL: 5},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {
        CONF_COUNT_EXISTING_AS_UNREAD: True,  # kept from setup
        CONF_SCAN_INTERVAL: 60,
        CONF_SNIPPET_LENGTH: 50,
        CONF_MAX_NEW_PER_POLL: 5,
    }
    await hass.async_block_till_done()
    # No reload (entities would go unavailable and back, and the logbook would say so).
    assert loaded_entry.runtime_data is coordinator
    assert coordinator.configured_interval == 60
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 60
    assert coordinator.mailbox.options.snippet_length == 50
    assert coordinator.mailbox.options.max_new_per_poll == 5
    assert coordinator.mailbox.options.tracking.count_existing_as_unread


async def test_options_out_of_range_are_said_in_words(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Not voluptuous's "Value 10.0 is too small": every field's own limits, all at once."""
    result = await open_settings(hass, loaded_entry.entry_id)
    # The form itself refuses nothing (a selector's own check would answer in its words).
    values = {CONF_SCAN_INTERVAL: 10.0, CONF_SNIPPET_LENGTH: 5000, CONF_MAX_NEW_PER_POLL: 2.5}
    assert schema_of(result)(values) == values
    result = await hass.config_entries.options.async_configure(result["flow_id"], values)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        CONF_SCAN_INTERVAL: "scan_interval_range",
        CONF_SNIPPET_LENGTH: "snippet_length_range",
        CONF_MAX_NEW_PER_POLL: "max_new_per_poll_range",
    }
    assert_placeholders_supplied(result, "options")
    assert suggested(result)[CONF_SCAN_INTERVAL] == 10.0  # kept to be corrected


async def test_options_flow_respects_the_login_delay(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    with patch.object(Mailbox, "login_delay", new_callable=PropertyMock, return_value=600):
        result = await open_settings(hass, loaded_entry.entry_id)
        assert placeholders(result)["scan_interval_min"] == "600"
        assert schema_of(result)({})[CONF_SCAN_INTERVAL] == 600  # the default moved up
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_SCAN_INTERVAL: 300, CONF_SNIPPET_LENGTH: 200, CONF_MAX_NEW_PER_POLL: 20},
        )
    assert result["errors"] == {CONF_SCAN_INTERVAL: "scan_interval_range"}


async def test_options_flow_of_an_entry_that_is_not_loaded(
    hass: HomeAssistant, make_entry: Callable[..., MockConfigEntry]
) -> None:
    entry = make_entry()
    result = await open_settings(hass, entry.entry_id)
    assert result["description_placeholders"] == LIMITS
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SCAN_INTERVAL: 30, CONF_SNIPPET_LENGTH: 0, CONF_MAX_NEW_PER_POLL: 1},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.fixture(scope="module")
def odd_certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CertFiles]:
    """Server certificates that do not verify, one per kind of problem."""
    directory = tmp_path_factory.mktemp("odd-certs")
    return {
        "self_signed": make_self_signed(directory, prefix="self", names=["127.0.0.1"]),
        "expired": make_certificates(
            directory, prefix="expired", names=["127.0.0.1"], expired=True
        ),
        "wrong_host": make_certificates(directory, prefix="wrong", names=["mail.example.org"]),
        "unknown_ca": make_certificates(directory, prefix="private", names=["127.0.0.1"]),
    }


@pytest.mark.parametrize(
    ("kind", "trust_ca", "error"),
    [
        ("self_signed", False, "cert_self_signed"),
        ("unknown_ca", False, "cert_unknown_ca"),
        ("expired", True, "cert_expired"),
        ("wrong_host", True, "cert_wrong_host"),
    ],
)
async def test_certificate_problems_are_said_in_words(
    hass: HomeAssistant,
    odd_certificates: dict[str, CertFiles],
    kind: str,
    trust_ca: bool,
    error: str,
) -> None:
    """What is wrong with the certificate, not OpenSSL's text; the section to fix it opens."""
    certs = odd_certificates[kind]
    result = await start_user_flow(hass)
    values: dict[str, Any] = {
        CONF_HOST: "127.0.0.1",
        CONF_SECURITY: "ssl",
        CONF_VERIFY_SSL: True,
        CONF_USERNAME: "user",
        CONF_PASSWORD: "password",
    }
    if trust_ca:
        values[CONF_CAFILE] = str(certs.cafile)
    with tls_listener(certs) as port:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], as_form({**values, CONF_PORT: port})
        )
    assert result["errors"] == {"base": error}
    assert placeholders(result)["host"] == "127.0.0.1"
    assert_placeholders_supplied(result, "config")
    assert not section_collapsed(result, "certificate")
    english = STRINGS["config"]["error"][error]
    assert "certificate" in english.lower()
    assert '"Certificate"' in english or "renew" in english  # and what to do about it
