"""Debian's Chromium driven by Playwright, and the steps a person takes in Home Assistant's UI.

Home Assistant's frontend is built from web components with open shadow roots; Playwright's
role, label and text locators pierce them, so the steps below use those (never XPath, which
does not) and wait generously: the first paint of a panel loads its code on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
import re
import shutil
import tempfile

from playwright.async_api import BrowserContext, Locator, Page, Playwright, async_playwright

from .hass_process import OWNER_PASSWORD, OWNER_USER, HomeAssistant
from .world import processes_with_argument

# Flags for a browser with no network but loopback: without the networking ones Chromium keeps
# trying to reach Google's services (updates, sync, QUIC probes) through the closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 900}


@dataclass(eq=False)
class Browser:
    """Chromium with an empty profile, started by Playwright's driver from the world thread."""

    playwright: Playwright
    context: BrowserContext
    user_data_dir: Path

    @classmethod
    async def start(cls, executable: str) -> Browser:
        """Launch Chromium headless with an empty user-data dir."""
        user_data_dir = Path(tempfile.mkdtemp(prefix="e2e-chromium-"))
        playwright = await async_playwright().start()
        try:
            context = await playwright.chromium.launch_persistent_context(
                user_data_dir,
                executable_path=executable,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]},
                locale="en-US",
                timezone_id="UTC",
            )
        except BaseException:
            await playwright.stop()
            shutil.rmtree(user_data_dir, ignore_errors=True)
            raise
        context.set_default_timeout(TIMEOUT_MS)
        return cls(playwright=playwright, context=context, user_data_dir=user_data_dir)

    @property
    def version(self) -> str:
        """Return the browser's version."""
        browser = self.context.browser
        return browser.version if browser is not None else "?"

    async def stop(self) -> list[str]:
        """Close Chromium and the driver; kill and report any Chromium process left over."""
        problems: list[str] = []
        try:
            await self.context.close()
        finally:
            await self.playwright.stop()
        # Every Chromium process carries the profile path on its command line.
        if leftovers := processes_with_argument(str(self.user_data_dir)):
            problems.append(f"Chromium processes {leftovers} outlived the browser")
        shutil.rmtree(self.user_data_dir, ignore_errors=True)
        return problems


@dataclass(eq=False)
class Ui:
    """One test's browser tab, with a screenshot of every step in artifacts/e2e/."""

    page: Page
    hass: HomeAssistant
    artifacts: Path
    test_name: str
    steps: list[Path] = field(default_factory=list)

    async def shot(self, step: str) -> Path:
        """Save a screenshot of the page, numbered in the order of the steps."""
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.artifacts / f"{self.test_name}-{len(self.steps) + 1:02d}-{slug}.png"
        await self.page.screenshot(path=path, full_page=True)
        self.steps.append(path)
        return path

    async def settle(self) -> None:
        """Wait until the page has loaded and the network is quiet."""
        await self.page.wait_for_load_state("networkidle")

    async def open(self, path: str, step: str | None = None) -> None:
        """Open a frontend path, signing in first when the login page shows."""
        await self.page.goto(f"{self.hass.url}{path}")
        await self.settle()
        if "/auth/authorize" in self.page.url:
            await self.log_in()
        if step:
            await self.shot(step)

    async def log_in(self) -> None:
        """Sign in on the login page as the onboarded owner."""
        await self.textbox("Username").fill(OWNER_USER)
        await self.textbox("Password").fill(OWNER_PASSWORD)
        await self.shot("login page filled in")
        await self.button("Log in").click()
        await self.page.wait_for_url(re.compile(r"^(?!.*/auth/authorize).*$"))
        await self.settle()

    def textbox(self, label: str) -> Locator:
        """Return the text field whose label starts with label (required ones end in "*")."""
        return self.page.get_by_role("textbox", name=re.compile(f"^{re.escape(label)}"))

    def button(self, name: str) -> Locator:
        """Return the button with exactly this accessible name."""
        return self.page.get_by_role("button", name=name, exact=True)

    def visible_text(self, text: str | re.Pattern[str]) -> Locator:
        """Return the first visible element showing this text (hidden copies are common)."""
        return self.page.get_by_text(text).filter(visible=True).first

    async def see(self, text: str | re.Pattern[str], step: str | None = None) -> None:
        """Wait until text shows on the page; screenshot the step."""
        await self.visible_text(text).wait_for()
        if step:
            await self.shot(step)

    async def add_integration(self, name: str) -> None:
        """Open Settings > Devices & services > Add integration and pick an integration."""
        await self.open("/config/integrations/dashboard", "integrations page")
        await self.button("Add integration").click()
        # Before the dialog shows, the only search field is the page's own (once an entry is
        # configured): typing there under load filters the page, and the brand never shows.
        await self.page.get_by_role("dialog").first.wait_for()
        await self.page.get_by_placeholder(re.compile("search", re.IGNORECASE)).first.fill(name)
        # Dialog content is slotted into the dialog's shadow root: it is not a descendant of the
        # element with role "dialog", so locators cannot be scoped to the dialog.
        brand = self.button(name)
        await brand.wait_for()
        await self.shot(f"search for {name}")
        await brand.click()

    async def submit(self, step: str) -> None:
        """Screenshot the form, then submit it."""
        await self.shot(step)
        await self.button("Submit").click()

    async def finish_flow(self, device_name: str) -> None:
        """On "Name and assign" (an entry was created), check the device name and finish."""
        await self.see("Name and assign")
        # One field per new device: the server's and, since players, each client's. A field
        # shows the device's own name as its value or, left unchanged, as its placeholder.
        names = [
            await field.input_value() or await field.get_attribute("placeholder")
            for field in await self.textbox("Device name").all()
        ]
        assert device_name in names, names
        await self.shot(f"{device_name} created")
        await self.button("Skip and finish").click()
        await self.button("Skip and finish").wait_for(state="detached")
        await self.settle()
