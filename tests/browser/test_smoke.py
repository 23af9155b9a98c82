import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_shows_emulation_banner(page):
    page.goto("/")
    banner = page.locator("#bandeau-emulation")
    assert "ceci n'est pas Chorus Pro" in banner.inner_text()
    assert page.locator("html").get_attribute("lang") == "fr"


def test_pages_link_their_own_icon(page):
    """Without it the browser asks Django for /favicon.ico (a 404) beside every page."""
    page.goto("/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon.startswith("/static/")
    response = page.request.get(icon)
    assert response.status == 200
    assert b"<svg" in response.body()
