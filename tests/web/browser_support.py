"""What the console's browser tests share: Debian's chromium (driven by Playwright, no
downloaded browser), the app served on a loopback port, viewports and the screenshot folder.

SIXSTEP_SCREENSHOTS=1 makes the tests write their screenshots to docs/screenshots/.
"""
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium package is not installed")


@contextmanager
def launched_chromium() -> Iterator[object]:
    """A headless chromium for a module's tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def served(app, name: str = "console-test-server") -> Iterator[BaseWSGIServer]:
    """The app on a real loopback port, in a thread; `.base` is its URL."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name=name, daemon=True)
    thread.start()
    http.base = f"http://127.0.0.1:{http.server_port}"  # type: ignore[attr-defined]
    try:
        yield http
    finally:
        http.shutdown()
        thread.join()
