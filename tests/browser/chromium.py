"""Debian's chromium driven by Playwright, shared by every browser test (never a browser
download of Playwright's own)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from grading.sandbox import get_pool

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium keeps dialling out, which this closed network
# refuses many times a second.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """A running chromium; skips the test (fails under REQUIRE_SERVICES=1) when it is missing.

    Enter it after the live server and the test data exist, so the database is set up and
    flushed while no Playwright event loop runs in this thread.
    """
    if not CHROMIUM.exists():
        reason = f"no chromium at {CHROMIUM}; install it with `apt-get install -y chromium`"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            # Grading children forked from this process would hold copies of the pipes to
            # Playwright's driver; stop them so the driver sees its input close.
            get_pool().close()
            browser.close()
