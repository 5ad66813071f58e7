"""A real browser for the web pages: Debian's Chromium, headless, driven by Playwright.

``browser`` (a conftest fixture) launches Chromium once per test; ``open_page`` gives a page at a named size
(``DESKTOP`` or ``PHONE``, Chinese locale); ``shoot`` keeps a full-page screenshot as an artifact under
``ANXIN_SCREENSHOT_DIR`` (default ``tests/artifacts``), in a folder per surface, and fails on a blank page.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

REQUIRE_BROWSER = os.environ.get("ANXIN_TEST_REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("ANXIN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("ANXIN_SCREENSHOT_DIR", Path(__file__).resolve().parents[1] / "artifacts"))

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}  # an iPhone 12–15's CSS viewport, WeChat's in-app browser on it
SIZES = {"desktop": DESKTOP, "phone": PHONE}


def launch() -> Iterator[Any]:
    reason = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"chromium is not installed at {CHROMIUM}: apt-get install chromium fonts-noto-cjk"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = reason or "playwright is not installed: pip install playwright==1.65.2 (no browser download needed)"
    if reason:
        if REQUIRE_BROWSER:
            pytest.fail(reason + " (ANXIN_TEST_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        yield chromium
        chromium.close()


def open_page(browser: Any, size: str = "desktop") -> Any:
    """A new page in its own context (cookies apart) at ``size``: "desktop" or "phone"."""
    return browser.new_context(viewport=SIZES[size], locale="zh-CN", is_mobile=size == "phone",
                               has_touch=size == "phone").new_page()


def shoot(page: Any, name: str, folder: str = "console") -> Path:
    """A full-page screenshot kept as ``<artifacts>/<folder>/<name>.png``; fails if the page is blank."""
    directory = ARTIFACTS / folder
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as image:
        assert len(image.convert("RGB").getcolors(1 << 20) or []) > 20, f"{name}: a blank page"
    return path
