"""The list pages' shortcuts render exactly what the generic Django path renders.

`InvoiceRow` (list columns only), the `dmy` filter and the remembered filter form
(`invoices.templatetags.invoice_lists`) exist for speed (docs/benchmarks.md, P3/P4): their output
must not differ from the model instance, `|date:"d/m/Y"` and a plain render of the form.
"""

import datetime
import zoneinfo

import pytest
from django.http import QueryDict
from django.template import engines
from django.utils import timezone

from invoices import selectors
from invoices.choices import InvoiceStatus, InvoiceType
from invoices.forms import IssuedFilterForm
from invoices.models import Invoice
from invoices.received.forms import FilterForm, mark_errors
from invoices.templatetags import invoice_lists
from tests.factories import ServiceFactory
from tests.invoices.factories import make_invoice

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.django_db
def test_rows_show_the_same_values_as_the_model(supplier, recipient):
    invoice = make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        type=InvoiceType.AVOIR,
        supplier=supplier,
        recipient=recipient,
        recipient_siret=recipient.siret,
        made_available_at=timezone.now(),
    )
    without_recipient = make_invoice(supplier=supplier, recipient=None, recipient_siret="123")
    rows = {
        row.pk: row
        for row in (
            selectors.InvoiceRow(**values)
            for values in selectors.invoice_rows(Invoice.objects.all())
        )
    }
    for model in (invoice, without_recipient):
        model = Invoice.objects.get(pk=model.pk)
        row = rows[model.pk]
        assert row.get_type_display() == model.get_type_display()
        assert row.get_status_display() == model.get_status_display()
        assert row.supplier_name == model.supplier.name
        assert row.supplier_identifier == model.supplier.identifier
        assert row.recipient_name == (model.recipient.name if model.recipient else None)
        assert row.service_ref_code == (model.service.code if model.service else None)
        for name in ("number", "total_gross", "created_at", "made_available_at", "issue_date"):
            assert getattr(row, name) == getattr(model, name)


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC),  # already 2 March in Paris
        datetime.datetime(2026, 12, 31, 22, 59, tzinfo=datetime.UTC),
        datetime.datetime(2026, 7, 4, 12, 0, tzinfo=PARIS),
        datetime.date(2026, 1, 9),
        None,
        "",
    ],
)
def test_dmy_matches_the_date_filter(value):
    expected = _render('{{ value|date:"d/m/Y" }}', value=value)
    assert _render("{% load invoice_lists %}{{ value|dmy }}", value=value) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["", "par_page=50", "statut=DEPOSEE&numero=F-1", "du=2026-05-02&au=2026-05-01", "du=bad"],
)
def test_remembered_issued_filter_form_is_the_plain_render(query):
    invoice_lists._rendered.clear()
    source = '{% load invoice_lists %}{% filter_form form "accounts/_fields.html" %}'
    plain = '{% include "accounts/_fields.html" with form=form %}'
    for _ in range(2):  # computed, then remembered
        form = IssuedFilterForm(QueryDict(query))
        form.is_valid()
        assert _render(source, form=form) == _render(plain, form=form)


@pytest.mark.django_db
def test_remembered_received_filter_form_follows_data_and_choices(mairie_services):
    invoice_lists._rendered.clear()
    source = (
        '{% load invoice_lists %}{% filter_form form "invoices/received/_filter_fields.html" %}'
    )
    plain = '{% for field in form %}{% include "invoices/received/_field.html" %}{% endfor %}'
    outputs = set()
    for services in (mairie_services, mairie_services[:1]):
        for query in ("", "received_from=bad", "number=X&taille=50"):
            for _ in range(2):
                form = FilterForm(
                    QueryDict(query) or None,
                    statuses=[InvoiceStatus.MISE_A_DISPOSITION, InvoiceStatus.SUSPENDUE],
                    services=services,
                )
                if form.is_bound:
                    form.is_valid()
                form = mark_errors(form)
                html = _render(source, form=form)
                assert html == _render(plain, form=form)
                outputs.add(html)
    assert len(outputs) == 6


@pytest.fixture
def mairie_services(recipient):
    return [ServiceFactory(structure=recipient), ServiceFactory(structure=recipient)]
