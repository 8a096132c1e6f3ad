"""Fixtures of the web tests' own: the browser the console's browser tests drive."""
import pytest
from browser_support import launched_chromium


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless chromium, one per test module."""
    with launched_chromium() as browser:
        yield browser
