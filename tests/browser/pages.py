"""What every browser journey does the same way."""

import re

from playwright.sync_api import Page

FACTORY_PASSWORD = "motdepasse-solide-42"  # UserFactory's password


def log_in(page: Page, email: str, password: str = FACTORY_PASSWORD) -> None:
    page.goto("/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(password)
    page.get_by_role("button", name="Se connecter").click()
