"""Where the text lands on the page of the rendered PDFs (positions read back with pypdf)."""

import datetime
import io

import pytest
from pypdf import PdfReader

from invoices import pdf
from invoices.choices import InvoiceStatus
from invoices.services.common import party_snapshot
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db


def text_boxes(content: bytes) -> list[tuple[str, float, float, float]]:
    """(text, x, y, page width) of every text run of every page, in PDF points."""
    boxes = []
    for page in PdfReader(io.BytesIO(content)).pages:
        width = float(page.mediabox.width)

        def visit(text, cm, tm, font_dict, font_size, width=width):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                boxes.append((text.strip(), x, y, width))

        page.extract_text(visitor_text=visit)
    return boxes


@pytest.fixture
def deposited(supplier, recipient):
    return make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        supplier=supplier,
        recipient=recipient,
        recipient_siret=recipient.siret,
        supplier_snapshot=party_snapshot(supplier),
        recipient_snapshot=party_snapshot(recipient),
        number="FA-2026-001",
        issue_date=datetime.date(2026, 3, 2),
    )


def test_factur_x_totals_lie_inside_the_a4_page(deposited):
    boxes = text_boxes(pdf.render_invoice_pdf(deposited))
    for label, value in (("Total HT", "200,00"), ("Total TVA", "40,00"), ("Total TTC", "240,00")):
        runs = [(text, x) for text, x, _y, _w in boxes if label in text or text.startswith(value)]
        assert any(label in text for text, _x in runs), f"{label} absent du PDF"
        assert any(value in text for text, _x in runs), f"montant de « {label} » absent"
    # Every text run starts inside the 595 pt page and (at >= 0.45 em a glyph) ends inside it.
    for text, x, _y, width in boxes:
        assert x >= 0, f"« {text} » hors page (x={x:.0f})"
        assert x + len(text) * 9.5 * 0.45 < width, f"« {text} » hors page (x={x:.0f})"


def test_certificate_labels_stay_in_the_label_column(deposited):
    content = pdf.render_deposit_certificate(deposited, facturx_sha256="ab" * 32)
    boxes = text_boxes(content)
    label_x = {text: x for text, x, _y, _w in boxes}
    assert "Type" in label_x
    issued = [x for text, x, _y, _w in boxes if text.startswith("Attestation émise le")]
    assert issued, "libellé « Attestation émise le » absent"
    assert abs(issued[0] - label_x["Type"]) < 2, "le libellé est sorti de sa colonne"
