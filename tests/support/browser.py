"""Live server, Playwright on Debian's chromium, axe-core checks and screenshots.

Without chromium the browser tests skip locally; with AUTOSHOP_REQUIRE_BROWSER=1 (set by CI) they
fail instead, so CI can never pass having skipped them.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

REQUIRE_BROWSER = os.environ.get("AUTOSHOP_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(os.environ.get("AUTOSHOP_TEST_ARTIFACTS", "test-artifacts"))
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_env() -> dict[str, str]:
    """The browser's environment: the real clock. Under `make test-future-date` only the app's
    clock (Python's) is faked: Chromium doesn't run under libfaketime (its pages never settle)."""
    if "faketime" not in os.environ.get("LD_PRELOAD", ""):
        return dict(os.environ)
    return {
        k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")
    }


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message + " and AUTOSHOP_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, env=browser_env()
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser context at a phone (375 px) and a desktop (1280 px) viewport."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.viewport_name = request.param  # type: ignore[attr-defined]
    try:
        yield tab
    finally:
        context.close()


#: htmx's classes while a request, swap or settle is under way (htmx.config's defaults).
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_settled(page: Any) -> None:
    """Wait until htmx has finished every request, swap and settle on the page.

    Call it after waiting for the swapped-in content, before using it: htmx wires up the links
    it swapped in (their hx-get) in its settle step, a moment after they appear, so a key press
    or click any sooner follows the plain link (a whole page load) instead.
    """
    page.wait_for_function(f"() => !document.querySelector({HTMX_BUSY!r})")


def assert_accessible(page: Any, name: str | None = None) -> None:
    """Run axe-core on the page; fail listing every violation. Saves a screenshot either way."""
    from axe_playwright_python.sync_playwright import Axe

    screenshot(page, name)
    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def screenshot(page: Any, name: str | None = None) -> Path:
    label = name or page.url.split("//", 1)[-1].split("/", 1)[-1].replace("/", "_") or "home"
    path = ARTIFACTS / "screenshots" / f"{label}-{getattr(page, 'viewport_name', 'page')}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def open_menu_item(page: Any, name: str, menu: str | None = None) -> None:
    """Follow a main-navigation link as a person would: open the collapsed menu on a phone, and
    the `menu` drop-down (e.g. "Shop") the link sits in."""
    nav = page.get_by_role("navigation", name="Main")
    toggle = nav.get_by_role("button", name="Show menu")
    if toggle.is_visible():
        toggle.click()
    if menu is not None:
        nav.get_by_role("button", name=menu).click()
    nav.get_by_role("link", name=name).click()
