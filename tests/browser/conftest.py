"""Browser journeys: the Playwright fixtures (`chromium_browser`, `page`) live in tests/conftest.py,
shared with tests/security. Everything in this folder is marked `browser`."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
