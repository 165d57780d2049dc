"""Steps of the browser walk: screens, dialogs and the checks every screen must pass.

Every screen is photographed (``tests/browser/artifacts/``, ignored by git) and read as the
user sees it, shadow roots included: a "Translation error", a raw translation key or a
placeholder left in braces fails the walk, and so does any console error of the page other
than the refused requests for internet resources (brand icons).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page, expect

from tests.browser.home_assistant import HomeAssistant
from tests.support.browser import BrowserLog

ARTIFACTS = Path(__file__).parent / "artifacts"
expect.set_options(timeout=30_000)  # a login with a wrong password takes Dovecot seconds

PROBLEMS = re.compile(
    r"translation error"
    r"|\bcomponent\.[a-z0-9_]+\.[a-z_]"
    r"|\b(?:config|options|config_subentries|selector|entity|exceptions)\.[a-z_]+\.[a-z_]+\.[a-z_]"
    r"|\bui\.(?:panel|components|dialogs|common|card)\.[a-z_]"
    r"|\{[a-z_]+\}",
    re.IGNORECASE,
)
"""What must never be on a screen: the frontend's formatting errors, translation keys shown
instead of their text, placeholders that were not filled."""

DEEP_TEXT = """() => {
  const parts = [];
  const skip = new Set(["STYLE", "SCRIPT", "NOSCRIPT", "TEMPLATE"]);
  const walk = (node) => {
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        const text = child.textContent.trim();
        if (text) parts.push(text);
      } else if (child.nodeType === Node.ELEMENT_NODE && !skip.has(child.tagName)) {
        for (const name of ["label", "placeholder", "aria-label", "title"]) {
          const value = child.getAttribute(name);
          if (value) parts.push(value);
        }
        walk(child);
      }
    }
  };
  walk(document.body);
  return parts.join("\\n");
}"""
"""Every text of the page, in open shadow roots too (Home Assistant's frontend uses them
everywhere), with the labels and titles that are only attributes."""


@dataclass
class Walk:
    """One browser page on one Home Assistant, and what the walk saw."""

    page: Page
    hass: HomeAssistant
    log: BrowserLog
    prefix: str
    screens: list[str] = field(default_factory=list)

    async def goto(self, path: str) -> None:
        """Open a frontend path and wait until the frontend is connected and has its config.

        A dialog that just closed may still move the frontend to another URL, which aborts
        this navigation: then it is made again (a bounded number of times).
        """
        for attempt in range(3):
            try:
                await self.page.goto(self.hass.url + path)
                break
            except PlaywrightError as err:
                if "ERR_ABORTED" not in str(err) or attempt == 2:
                    raise
                await self.page.wait_for_load_state()
        await self.page.wait_for_function(
            "() => document.querySelector('home-assistant')?.hass?.config?.state === 'RUNNING'"
        )

    async def screen(self, name: str) -> str:
        """Photograph the screen and check its texts; returns them."""
        await self.page.wait_for_load_state("networkidle")
        path = ARTIFACTS / f"{self.prefix}-{len(self.screens) + 1:02d}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=path, animations="disabled")
        self.screens.append(name)
        text: str = await self.page.evaluate(DEEP_TEXT)
        problems = sorted({match.group(0) for match in PROBLEMS.finditer(text)})
        assert not problems, f"{name}: {problems}\n{text[:3000]}"
        self.assert_no_errors(name)
        return text

    def assert_no_errors(self, name: str) -> None:
        """No console errors (but refused internet requests) and nothing in HA's log."""
        errors = [
            error
            for error in self.log.console_errors
            if not error.startswith("Failed to load resource: net::ERR_FAILED")
        ]
        assert not errors, f"{name}: console errors {errors} {self.log.failed_responses}"
        assert not self.hass.log_errors(), f"{name}: {self.hass.log_errors()}"

    def dialog(self) -> Locator:
        """The open data-entry-flow dialog (config, options, subentry flows)."""
        return self.page.locator("dialog-data-entry-flow")

    async def submit(self, label: str = "Submit") -> None:
        """Press the dialog's submit button."""
        await self.dialog().get_by_role("button", name=label, exact=True).click()

    async def expect_text(self, text: str, within: Locator | None = None) -> None:
        """Wait until ``text`` is shown."""
        scope = within if within is not None else self.page.locator("body")
        await expect(scope.get_by_text(text, exact=False).first).to_be_visible()
