import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_shows_emulation_banner(page):
    page.goto("/")
    banner = page.locator("#bandeau-emulation")
    assert "ceci n'est pas Chorus Pro" in banner.inner_text()
    assert page.locator("html").get_attribute("lang") == "fr"
