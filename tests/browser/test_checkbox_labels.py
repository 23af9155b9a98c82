"""Issue 18 minor: a checkbox sits before its label, on the same line, at 1280 and 390 px."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tests.browser.pages import log_in
from tests.factories import MembershipFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# For each visible labelled checkbox outside tables: [label text, box right, label left,
# box vertical centre, label top, label bottom].
GEOMETRY = """() => Array.from(document.querySelectorAll("main input[type=checkbox]"))
  .filter((box) => box.offsetParent && !box.closest("table") && box.labels.length)
  .map((box) => {
    const b = box.getBoundingClientRect();
    const l = box.labels[0].getBoundingClientRect();
    return [box.labels[0].textContent.trim(), b.right, l.left, b.top + b.height / 2, l.top,
            l.bottom];
  })"""


def _check(page: Page, url: str, expected: int) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        boxes = page.evaluate(GEOMETRY)
        assert len(boxes) >= expected, (url, boxes)
        for label, box_right, label_left, centre, top, bottom in boxes:
            assert box_right <= label_left + 1, (url, width, label, "checkbox after its label")
            assert top <= centre <= bottom, (url, width, label, "checkbox not on the label's line")


def test_checkboxes_sit_before_their_labels(page: Page, live_server):
    _check(page, "/compte/login/", 1)  # « Rester connecté sur cet appareil »
    mairie = StructureFactory(public=True, name="Mairie de Trifouilly")
    user = UserFactory(email="gp@mairie.test")
    MembershipFactory(user=user, structure=mairie, principal=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, user.email)
    page.wait_for_url(re.compile(r".*(?<!login/)$"))
    _check(page, reverse("structures:settings_billing", args=[mairie.pk]), 4)
    _check(page, reverse("structures:settings_service_create", args=[mairie.pk]), 2)
