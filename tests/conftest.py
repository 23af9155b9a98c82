"""Root fixtures. Tests marked `postgres`/`redis` run when the service is reachable and say why
they skip otherwise; on CI (CI=true) an unreachable service fails the test instead."""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        address = (parsed.hostname or "127.0.0.1", parsed.port or default_port)
        with socket.create_connection(address, 1):
            return True
    except OSError:
        return False


def _service_missing(marker: str) -> str | None:
    if marker == "postgres":
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            return "PostgreSQL requis : lancez avec DATABASE_URL=postgres://… (suite sur SQLite)"
        return None
    if marker == "redis":
        url = os.environ.get("REDIS_URL", "")
        if not url:
            return "Redis requis : lancez avec REDIS_URL=redis://127.0.0.1:6379/0"
        if not _reachable(url, 6379):
            return f"Redis injoignable à {url}"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name in ("postgres", "redis"):
        if item.get_closest_marker(name) and (reason := _service_missing(name)):
            if ON_CI:
                pytest.fail(f"sur CI rien n'est ignoré : {reason}")
            pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _sandbox_mail(settings):
    """Django's test setup swaps EMAIL_BACKEND for locmem: put the sandbox copy back in front.

    The inner backend stays locmem, so `mail.outbox` works as usual.
    """
    settings.EMAIL_BACKEND = "accounts.mail.SandboxEmailBackend"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits live in the cache: start every test with a clean one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# Browser harness (Playwright on Debian's Chromium), shared by tests/browser and tests/security:
# one Playwright instance per session, whichever directory asks first.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class _OneRequestAtATimeServer(WSGIServer):
    """The live server of the browser tests, answering one request at a time.

    On the in-memory SQLite of `make test`, every request thread of Django's threaded live server
    uses the test's one database connection. Two requests at once (a page and its favicon, an
    htmx lookup and a form submitted on the same click) then interleave their ATOMIC_REQUESTS
    transactions on that connection and can leave it inside an atomic block for good: from then
    on no `on_commit` callback runs (no e-mail, no routing task) and every later journey fails.
    Served one after the other, as Django's non-threaded server does (`Connection: close`), the
    browser's requests never overlap.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        # The live server thread already uses the shared connections (LiveServerThread.run).
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = _OneRequestAtATimeServer


@pytest.fixture(scope="session")
def chromium_browser():
    if not os.path.exists(CHROMIUM):
        reason = f"Chromium introuvable ({CHROMIUM}) : apt-get install chromium"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread: let the ORM run beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
