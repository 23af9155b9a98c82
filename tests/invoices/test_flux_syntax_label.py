"""A flux's syntax label is sniffed from the file: an unreadable file gets none and does not count
as a UBL deposit in the integrator's checklist (issue 18)."""

import pytest
from django.urls import reverse

from api.conformance import conformance_run
from invoices.formats.detect import SYNTAXE_FLUX
from tests.factories import StructureFactory
from tests.invoices.test_flux import _deposit, _ubl, supplier_user  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _ubl_check(structure):
    checks = {c.code: c for c in conformance_run(client_id="x", structure=structure)}
    return checks["flux_ubl_facturx"].detail


@pytest.mark.parametrize(
    "data", [b"ceci n'est pas une facture", b"<?xml version='1.0'?><Facture/>", b"\x00\x01\x02"]
)
def test_an_unreadable_file_gets_no_flavour_label(supplier_user, data):  # noqa: F811
    structure, user = supplier_user
    flux = _deposit(structure, user, "facture.xml", data)
    assert flux.syntax == ""
    assert "UBL : non" in _ubl_check(structure)


def test_ubl_in_utf8_and_utf16_is_labelled_ubl(supplier_user):  # noqa: F811
    structure, user = supplier_user
    xml = _ubl(structure, StructureFactory(public=True))
    assert _deposit(structure, user, "a.xml", xml).syntax == SYNTAXE_FLUX["UBL_INVOICE"]
    utf16 = xml.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert _deposit(structure, user, "b.xml", utf16).syntax == SYNTAXE_FLUX["UBL_INVOICE"]
    assert "UBL : oui" in _ubl_check(structure)


def test_the_flux_page_says_the_syntax_was_not_recognised(client, supplier_user):  # noqa: F811
    structure, user = supplier_user
    flux = _deposit(structure, user, "x.xml", b"illisible")
    client.force_login(user)
    html = client.get(reverse("flux:detail", args=[flux.pk])).content.decode()
    assert "non reconnue" in html
    assert "IN_DP_E1_UBL_INVOICE" not in html
