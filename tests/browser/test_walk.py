"""The integration as a user meets it: Home Assistant's real frontend in headless Chromium.

A real ``hass`` process (the pinned release with its frontend wheel), the real test Dovecot,
every step through the UI: add the mailbox (certificate without CA, wrong password, then a
working setup), the device page, *Check now*, new mail in the sensors and the event entity,
the options, a rule added, changed and deleted as a subentry, reconfigure, reauth after a
password change; then the same forms in German. Each screen is checked by :class:`Walk`.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import expect

from tests.browser.home_assistant import HomeAssistant
from tests.browser.walk import Walk
from tests.integration.conftest import make_message
from tests.support.browser import browser_page
from tests.support.dovecot import DovecotServer, MailUser

pytestmark = [pytest.mark.chromium, pytest.mark.dovecot, pytest.mark.timeout(600)]

INTEGRATION_PAGE = "/config/integrations/integration/pop3_mail"
SUBJECT = "Your parcel is on its way"


@pytest.fixture
async def english(home_assistant: HomeAssistant) -> AsyncIterator[Walk]:
    async with browser_page() as (page, log):
        await page.context.add_init_script(home_assistant.local_storage())
        yield Walk(page, home_assistant, log, "en")


async def open_entry_menu(walk: Walk, item: str, *, menu: str = "Menu") -> None:
    """The entry's ⋮ menu on the integration page (``menu`` is its label), then an item."""
    await walk.goto(INTEGRATION_PAGE)
    await walk.page.get_by_role("button", name=menu, exact=True).first.click()
    await walk.page.locator("ha-md-menu-item").filter(has_text=item, visible=True).click()


async def check_until_refused(hass: HomeAssistant) -> None:
    """Run *Check now* until the server refuses the old password.

    Dovecot reads a changed passwd-file at most once a second, so the first check may still
    get in; a refused login starts Home Assistant's reauth flow.
    """
    async with hass.websocket() as ws:
        (entry,) = await ws.call("config_entries/get", domain="pop3_mail")
        for _attempt in range(20):
            try:
                await ws.call(
                    "call_service",
                    domain="pop3_mail",
                    service="check_now",
                    service_data={"config_entry_id": entry["entry_id"]},
                )
            except AssertionError:
                return
            await asyncio.sleep(0.5)
    pytest.fail("the server kept accepting the old password")


async def test_walk_in_english(
    english: Walk, home_assistant: HomeAssistant, walk_dovecot: DovecotServer, walk_user: MailUser
) -> None:
    walk, page = english, english.page
    certs = home_assistant.config / "certs"
    certs.mkdir()
    shutil.copy(walk_dovecot.cafile, certs / "ca.pem")

    # Add the mailbox: first without the private CA, then with a wrong password.
    await walk.goto("/config/integrations/dashboard/add?domain=pop3_mail")
    await page.get_by_role("button", name="OK").click()
    dialog = walk.dialog()
    await walk.expect_text("Sign in with Microsoft", dialog)
    await walk.screen("setup-menu")
    await dialog.get_by_text("With a password (or app password)").click()
    await dialog.get_by_role("textbox", name="Server").fill(walk_dovecot.host)
    await dialog.get_by_role("spinbutton", name="Port").fill(str(walk_dovecot.pop3s_port))
    await dialog.get_by_role("textbox", name="Username").fill(walk_user.username)
    await dialog.get_by_role("textbox", name="Password").fill("not the password")
    await walk.screen("setup-form")
    await walk.submit()
    await walk.expect_text("unknown certificate authority", dialog)
    await walk.screen("setup-unknown-ca")
    # The password survived; the certificate section opened by itself.
    assert await dialog.get_by_role("textbox", name="Password").input_value() == "not the password"
    await dialog.get_by_role("textbox", name="CA certificate file").fill("certs/ca.pem")
    await walk.submit()
    await walk.expect_text("rejected the username or password", dialog)
    await walk.screen("setup-wrong-password")
    await dialog.get_by_role("textbox", name="Password").fill(walk_user.password)
    await walk.submit()
    await walk.expect_text("Created configuration", dialog)
    await walk.screen("setup-done")
    await dialog.get_by_role("button", name="Finish").click()

    # The device page; new mail after Check now.
    walk_user.deliver(make_message(SUBJECT, sender="Parcel Service <news@parcels.example>"))
    await walk.goto(INTEGRATION_PAGE)
    await page.get_by_role("link", name="1 service").first.click()
    await walk.expect_text("Latest subject")
    text = await walk.screen("device")
    assert " by POP3" not in text
    await (
        page.locator("hui-button-entity-row, entity-row, state-card-button")
        .filter(has_text="Check now")
        .get_by_role("button", name="Press")
        .click()
    )
    await walk.expect_text(SUBJECT)
    text = await walk.screen("device-new-mail")
    assert "Received" in text  # the event entity shows the event type of the new mail

    # Options: a value out of range is said on the field, then a good one is saved.
    await walk.goto(INTEGRATION_PAGE)
    await page.get_by_role("button", name="Configure").first.click()
    await dialog.get_by_role("spinbutton", name="Check interval").fill("10")
    await walk.submit()
    await walk.expect_text("from 30 to 86400", dialog)
    await walk.screen("options-error")
    await dialog.get_by_role("spinbutton", name="Check interval").fill("120")
    await walk.submit()
    await walk.expect_text("Options successfully saved", dialog)
    await walk.screen("options-saved")
    await dialog.get_by_role("button", name="Finish").click()

    # A rule: added (errors first), changed, deleted.
    await open_entry_menu(walk, "Add rule")
    await dialog.get_by_role("textbox", name="Name").fill("Parcels")
    await dialog.get_by_role("textbox", name="Subject").fill("regex:(parcel")
    await walk.submit()
    await walk.expect_text("Subject: invalid regex", dialog)
    await walk.expect_text("Choose at least one action", dialog)
    await walk.screen("rule-errors")
    await dialog.get_by_role("textbox", name="Subject").fill("parcel")
    await dialog.get_by_role("switch", name="Mark read").click()
    await walk.screen("rule-form")
    await walk.submit()
    await walk.expect_text("Success", dialog)
    await dialog.get_by_role("button", name="Finish").click()
    await walk.goto(INTEGRATION_PAGE)
    await walk.expect_text("Parcels")
    await walk.screen("rule-listed")
    rule_row = page.locator(".sub-entry").filter(has_text="Parcels")
    await rule_row.get_by_role("button", name="Configure").click()
    await expect(dialog.get_by_role("textbox", name="Subject")).to_have_value("parcel")
    await dialog.get_by_role("textbox", name="Subject").fill("parcel|paket")
    await walk.screen("rule-change")
    await walk.submit()
    await walk.expect_text("The rule was changed", dialog)
    await walk.screen("rule-changed")
    await dialog.get_by_role("button", name="Close").last.click()
    await rule_row.get_by_role("button", name="Menu").click()
    await page.locator("ha-md-menu-item").filter(has_text="Delete", visible=True).click()
    confirm = page.locator("dialog-box")
    await walk.expect_text("Parcels", confirm)
    await walk.screen("rule-delete-confirm")
    await confirm.get_by_role("button", name="Delete").click()
    await expect(page.locator(".sub-entry").filter(has_text="Parcels")).to_have_count(0)

    # Reconfigure: the same server, kept.
    await open_entry_menu(walk, "Reconfigure")
    await expect(dialog.get_by_role("textbox", name="Server")).to_have_value(walk_dovecot.host)
    await walk.screen("reconfigure")
    await walk.submit()
    await walk.expect_text("now uses the new server settings", dialog)
    await walk.screen("reconfigure-done")
    await dialog.get_by_role("button", name="Close").last.click()

    # Reauth after the password changed on the server.
    walk_dovecot.add_user(walk_user.username, "a new password")
    # Home Assistant's coordinator logs the refused login as an error: provoked here.
    home_assistant.expected_errors.append(r"Authentication failed while fetching")
    await check_until_refused(home_assistant)
    await walk.goto(INTEGRATION_PAGE)
    await page.get_by_role("button", name="Reconfigure").first.click()
    await walk.expect_text("Log in again", dialog)
    await walk.screen("reauth")
    await dialog.get_by_role("textbox", name="Password").fill("a new password")
    await walk.submit()
    await walk.expect_text("The new password works", dialog)
    await walk.screen("reauth-done")
    await dialog.get_by_role("button", name="Close").last.click()
    walk.assert_no_errors("end")


@pytest.fixture
async def german(home_assistant: HomeAssistant) -> AsyncIterator[Walk]:
    """The owner's language set to German (their profile setting), a German browser."""
    async with home_assistant.websocket() as ws:
        await ws.call("frontend/set_user_data", key="language", value={"language": "de"})
    async with browser_page(locale="de-DE") as (page, log):
        await page.context.add_init_script(home_assistant.local_storage())
        yield Walk(page, home_assistant, log, "de")


async def test_walk_in_german(
    german: Walk, walk_dovecot: DovecotServer, walk_user: MailUser
) -> None:
    """The same forms with the user's language set to German (after the English walk)."""
    walk, page = german, german.page
    dialog = walk.dialog()

    # Adding a mailbox, unencrypted: the confirmation offers a real way back.
    await walk.goto("/config/integrations/dashboard/add?domain=pop3_mail")
    await page.get_by_role("button", name="OK").click()
    await walk.expect_text("POP3-Postfach hinzufügen", dialog)
    await walk.screen("setup-menu")
    await dialog.get_by_text("Mit Passwort (oder App-Passwort)").click()
    await dialog.get_by_role("textbox", name="Server").fill(walk_dovecot.host)
    await dialog.get_by_role("combobox", name="Sicherheit").click()
    await page.get_by_role("option", name="Unverschlüsselt (Port 110)").click()
    await dialog.get_by_role("spinbutton", name="Port").fill(str(walk_dovecot.pop3_port))
    await dialog.get_by_role("textbox", name="Benutzername").fill("someone-else")
    await dialog.get_by_role("textbox", name="Passwort").fill("secret")
    await walk.screen("setup-form")
    await walk.submit("OK")
    await walk.expect_text("Passwort unverschlüsselt senden?", dialog)
    await walk.screen("insecure-menu")
    await dialog.get_by_text("Zurück: SSL/TLS oder STARTTLS wählen").click()
    await expect(dialog.get_by_role("textbox", name="Passwort")).to_have_value("secret")
    await walk.screen("insecure-back")
    await dialog.get_by_role("button", name="Schließen").first.click()

    # Options with an error.
    await walk.goto(INTEGRATION_PAGE)
    await page.get_by_role("button", name="Konfigurieren").first.click()
    await dialog.get_by_role("spinbutton", name="Prüfintervall").fill("10")
    await walk.submit("OK")
    await walk.expect_text("zwischen 30 und 86400", dialog)
    await walk.screen("options-error")
    await dialog.get_by_role("button", name="Schließen").first.click()

    # The rule form with errors.
    await open_entry_menu(walk, "Regel hinzufügen", menu="Menü")
    await dialog.get_by_role("textbox", name="Name").fill("Pakete")
    await dialog.get_by_role("textbox", name="Betreff").fill("regex:(paket")
    await walk.submit("OK")
    await walk.expect_text("Betreff: invalid regex", dialog)  # the label in German
    await walk.screen("rule-errors")
    await dialog.get_by_role("button", name="Schließen").first.click()

    # Reconfigure without the CA file: the certificate error in German.
    await open_entry_menu(walk, "Neu konfigurieren", menu="Menü")
    await dialog.get_by_text("Zertifikat", exact=True).click()
    await dialog.get_by_role("textbox", name="CA-Zertifikatsdatei").fill("")
    await walk.submit("OK")
    await walk.expect_text("unbekannten Zertifizierungsstelle", dialog)
    await walk.screen("reconfigure-certificate")
    await dialog.get_by_role("button", name="Schließen").first.click()

    # The device page.
    await walk.goto(INTEGRATION_PAGE)
    await page.get_by_role("link", name="1 Dienst").first.click()
    # (Entity names follow the system language, English here: normal Home Assistant.)
    await walk.expect_text("Sensoren")
    await walk.screen("device")
    walk.assert_no_errors("end")
