"""Browser tests: Playwright for Python driving Debian's Chromium.

Never downloads a browser: Chromium is /usr/bin/chromium (apt package
``chromium``). Without it these tests are skipped, except under CI=true, where
a missing browser fails the run. Screenshots go to $SCREENSHOT_DIR
(default var/screenshots).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM
# calls (setting up data, checking results) are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} not found (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def demo_password(transactional_db: Any) -> str:
    from beatbook.registry import demo

    password = "browser-test-pass-1"
    demo.load(password=password)
    return password


def new_page(browser: Any, width: int, height: int = 800, locale: str = "zh-CN") -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale=locale,
        device_scale_factor=1,
        is_mobile=width < 500,
        has_touch=width < 500,
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form:has(#id_username) button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login/" not in page.url, f"login failed for {username}"
