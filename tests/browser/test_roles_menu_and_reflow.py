"""Issue 18 majors 6 and 7, for each role of the demo (supplier, collaborateur whose attachment is
pending, public agent, admin):

- the menu shows only what the person can use: every menu link answers 2xx for that role;
- on a phone (390 px) the menu folds behind a « Menu » button;
- at 390 px no page the role reaches (menu pages and the pages they link to) scrolls sideways.
"""

import datetime
import re
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from invoices import services
from structures import demo
from structures.demo import demo_load
from structures.models import Structure
from tests.invoices.conftest import accept_terms

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORDS = {account["email"]: account["password"] for account in demo.DEMO_ACCOUNTS}
SUPPLIER = "fournisseur@demo.chorus.test"
COLLABORATOR = "collaborateur@demo.chorus.test"
AGENT = "cavimac@demo.chorus.test"
ADMIN = "admin@demo.chorus.test"

# Links not to follow: downloads, actions, and Django admin's own pages (beyond its index).
SKIP = re.compile(
    r"(\.(pdf|csv|xml|json|zip|svg|ico)$)|/telecharger|/document|/logout|/export|"
    r"/admin/.+|/api/|/oauth|/static/|/media/|/cii/|/ubl/|/compte-rendu"
)
MAX_PAGES = 45


@pytest.fixture
def demo_data(live_server):
    demo_load()
    supplier_user = User.objects.get(email=SUPPLIER)
    accept_terms(supplier_user)
    supplier = Structure.objects.get(identifier=demo.SUPPLIER_SIRET)
    line = {
        "designation": "Maintenance du parc informatique, contrat annuel 2026",
        "quantity": "12",
        "unit_price": "310.875",
        "vat_rate": "20.00",
    }
    for number, ej in (("F-2026-0042", "20240001"), ("F-2026-0043", "123456")):
        services.invoice_deposit(
            supplier=supplier,
            by=supplier_user,
            lines=[line],
            number=number,
            issue_date=timezone.localdate() - datetime.timedelta(days=3),
            recipient_siret=demo.CAVIMAC_SIRET,
            ej_number=ej,
        )
    services.invoice_create_draft(
        supplier=supplier, by=supplier_user, lines=[line], number="F-2026-0044"
    )


def _log_in(page: Page, email: str) -> None:
    page.goto("/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(PASSWORDS[email])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#menu-principal")).to_contain_text("Se déconnecter")


def _menu_links(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "#menu-principal a[href]", "links => links.map(a => a.getAttribute('href'))"
    )


def _links(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    paths = []
    for href in hrefs:
        parsed = urlparse(href)
        if parsed.netloc or not parsed.path.startswith("/") or SKIP.search(parsed.path):
            continue
        paths.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    return paths


def _overflow(page: Page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def _culprits(page: Page) -> list[str]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('main *')).filter(e => {
            const r = e.getBoundingClientRect(); return r.right > 392 && r.width > 0;
        }).filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > 392))
          .slice(0, 4).map(e => e.tagName + '.' + e.className + '#' + e.id + ' '
          + Math.round(e.getBoundingClientRect().right))"""
    )


def _walk(page: Page, email: str) -> tuple[list[str], dict[str, int]]:
    """Menu links of the role, and the width of every page it reaches (menu + one click on)."""
    page.goto("/")
    menu = _menu_links(page)
    queue = list(dict.fromkeys(menu))
    seen: set[str] = set()
    widths: dict[str, int] = {}
    statuses: dict[str, int] = {}
    depth = {path: 0 for path in queue}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        key = urlparse(path).path
        if key in seen:
            continue
        seen.add(key)
        response = page.goto(path)
        statuses[path] = response.status
        assert response.status < 500, f"{email} : {path} répond {response.status}"
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        widths[path] = _overflow(page)
        if widths[path] > 391:
            widths[path] = (widths[path], _culprits(page))
        if depth[path] == 0:
            for link in _links(page):
                if link not in depth:
                    depth[link] = 1
                    queue.append(link)
    return menu, widths, statuses


ROLES = {
    SUPPLIER: {"Factures émises", "Dépôts de flux", "Raccordement EDI et API"},
    COLLABORATOR: set(),
    AGENT: {"Factures reçues", "Factures émises", "Espace intégrateur"},
    ADMIN: {"Administration", "Boîte mail du bac à sable"},
}
NOT_FOR = {
    SUPPLIER: {"Factures reçues", "Administration"},
    COLLABORATOR: {"Factures émises", "Factures reçues", "Espace intégrateur", "Administration"},
    AGENT: {"Administration"},
    ADMIN: {"Factures reçues", "Espace intégrateur"},
}


@pytest.mark.parametrize("email", list(ROLES))
def test_each_role_menu_answers_2xx_and_no_page_scrolls_sideways_at_390px(
    chromium_browser, live_server, demo_data, email
):
    context = chromium_browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        _log_in(page, email)
        # Folded menu on a phone: the « Menu » button unfolds it.
        nav = page.locator("#menu-principal")
        expect(nav).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        expect(nav).to_be_visible()
        labels = set(page.locator("#menu-principal li").all_inner_texts())
        labels = {label.strip() for label in labels}
        assert ROLES[email] <= labels, f"{email} : il manque {ROLES[email] - labels}"
        assert not (NOT_FOR[email] & labels), f"{email} voit {NOT_FOR[email] & labels}"

        menu, widths, statuses = _walk(page, email)
        for link in menu:
            assert 200 <= statuses[link] < 300, f"{email} : menu {link} → {statuses[link]}"
            # A bounce (redirect to another page) is not an answer either.
        too_wide = {path: width for path, width in widths.items() if not isinstance(width, int)}
        assert not too_wide, f"{email} : pages plus larges que 390 px : {too_wide}"
        assert len(widths) >= 8
    finally:
        context.close()


def test_desktop_menu_is_a_row_without_menu_button(page: Page, live_server, demo_data):
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, SUPPLIER)
    expect(page.locator("#menu-principal")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()


def test_filter_panel_folded_on_a_phone_so_the_list_is_on_the_first_screen(
    chromium_browser, live_server, demo_data
):
    context = chromium_browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        _log_in(page, SUPPLIER)
        page.goto("/factures/")
        expect(page.locator("details.filters")).not_to_have_attribute("open", "")
        heading = page.locator("#titre-liste").bounding_box()
        assert heading["y"] < 844, "la liste commence sous le premier écran"
        page.locator("details.filters summary").click()
        expect(page.get_by_label("Numéro de facture")).to_be_visible()
    finally:
        context.close()
