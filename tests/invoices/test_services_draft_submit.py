"""Drafts and deposit (BROUILLON → DEPOSEE): checks, totals, snapshot, outbox, event."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import TermsAcceptance
from chorus.exceptions import ChorusError
from invoices import services
from invoices.choices import InvoiceStatus, InvoiceType, OutboxKind
from invoices.models import Invoice, Outbox
from invoices.services import LineData
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINE = LineData(designation="Ramettes A4", quantity="10", unit_price="4.99", vat_rate="20")


@pytest.fixture
def draft(supplier, supplier_user, recipient):
    return services.invoice_create_draft(
        supplier=supplier,
        by=supplier_user,
        number="F-2026-001",
        recipient_siret=recipient.siret,
        issue_date=timezone.localdate(),
        lines=[
            LINE,
            {"designation": "Livraison", "quantity": 1, "unit_price": "15", "vat_rate": "5.5"},
        ],
    )


def submit(invoice, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        result = services.invoice_submit(invoice_id=invoice.pk, by=user)
    return result, callbacks


# Drafts -----------------------------------------------------------------------------------------


def test_create_draft_stores_lines_and_totals(draft):
    assert draft.status == InvoiceStatus.BROUILLON
    assert [line.line_net for line in draft.lines.all()] == [Decimal("49.90"), Decimal("15.00")]
    assert (draft.total_net, draft.total_vat, draft.total_gross) == (
        Decimal("64.90"),
        Decimal("10.81"),  # 49.90 × 20 % = 9.98 ; 15.00 × 5.5 % = 0.825 → 0.83
        Decimal("75.71"),
    )
    assert draft.events.get().action == "chorus.invoice.draft_created"


def test_create_draft_requires_membership_of_the_supplier(supplier):
    with pytest.raises(ChorusError, match="pas rattaché à la structure fournisseur"):
        services.invoice_create_draft(supplier=supplier, by=UserFactory())


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (
            {"designation": "", "quantity": 1, "unit_price": 1, "vat_rate": 20},
            "designation",
            "Ligne 1 — désignation",
        ),
        (
            {"designation": "x", "quantity": "abc", "unit_price": 1, "vat_rate": 20},
            "quantity",
            "n'est pas un nombre",
        ),
        (
            {"designation": "x", "quantity": 0, "unit_price": 1, "vat_rate": 20},
            "quantity",
            "strictement positif",
        ),
        (
            {"designation": "x", "quantity": 1, "unit_price": "-1", "vat_rate": 20},
            "unit_price",
            "positif ou nul",
        ),
        (
            {"designation": "x", "quantity": 1, "unit_price": 1, "vat_rate": 19.6},
            "vat_rate",
            "pas un taux français",
        ),
        (
            {"designation": "x", "quantity": 1, "unit_price": 1, "vat_rate": 0},
            "exemption_reason",
            "obligatoire pour une ligne à 0",
        ),
        (
            {
                "designation": "x",
                "quantity": 1,
                "unit_price": 1,
                "vat_rate": 20,
                "exemption_reason": "HORS_CHAMP",
            },
            "exemption_reason",
            "seulement pour une ligne à 0",
        ),
    ],
)
def test_bad_line_is_refused_naming_the_line_and_field(draft, supplier_user, line, field, message):
    with pytest.raises(ChorusError, match=message) as caught:
        services.invoice_update_draft(invoice_id=draft.pk, by=supplier_user, lines=[line])
    assert caught.value.field == field
    assert draft.lines.count() == 2  # nothing was replaced


def test_zero_rate_line_with_exemption_reason_is_accepted(draft, supplier_user):
    invoice = services.invoice_update_draft(
        invoice_id=draft.pk,
        by=supplier_user,
        lines=[
            {
                "designation": "Formation",
                "quantity": "1",
                "unit_price": "100,50",
                "vat_rate": "0",
                "exemption_reason": "EXONERATION_261",
            }
        ],
    )
    assert (invoice.total_net, invoice.total_vat) == (Decimal("100.50"), Decimal("0.00"))
    assert invoice.vat_breakdown[0]["exemption_reason"] == "EXONERATION_261"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"number": "F 2026 001"}, "number"),
        ({"number": "X" * 21}, "number"),
        ({"recipient_siret": "123"}, "recipient_siret"),
        ({"cadre": "A3_MEMOIRE_JUSTICE"}, "cadre"),
        ({"type": "DEVIS"}, "type"),
        ({"currency": "USD"}, "currency"),
        ({"deposit_mode": "FAX"}, "deposit_mode"),
    ],
)
def test_bad_header_field_is_refused_naming_the_field(draft, supplier_user, fields, field):
    with pytest.raises(ChorusError) as caught:
        services.invoice_update_draft(invoice_id=draft.pk, by=supplier_user, **fields)
    assert caught.value.field == field


def test_update_replaces_lines_and_recomputes_totals(draft, supplier_user):
    invoice = services.invoice_update_draft(
        invoice_id=draft.pk, by=supplier_user, lines=[LINE], ej_number="EJ-1"
    )
    assert invoice.lines.count() == 1
    assert invoice.total_gross == Decimal("59.88")
    assert invoice.ej_number == "EJ-1"


def test_update_of_a_deposited_invoice_is_refused(invoice_in, supplier_user):
    invoice = invoice_in(InvoiceStatus.DEPOSEE)
    with pytest.raises(ChorusError, match="au statut « Déposée » : action « modifier » impossible"):
        services.invoice_update_draft(invoice_id=invoice.pk, by=supplier_user, number="X")


def test_delete_draft_removes_it_but_not_an_issued_invoice(draft, invoice_in, supplier_user):
    services.invoice_delete_draft(invoice_id=draft.pk, by=supplier_user)
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    issued = invoice_in(InvoiceStatus.REJETEE)
    with pytest.raises(ChorusError):
        services.invoice_delete_draft(invoice_id=issued.pk, by=supplier_user)


# Deposit ----------------------------------------------------------------------------------------


def test_submit_deposits_snapshots_and_schedules_routing(
    draft, supplier, supplier_user, recipient, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr("invoices.tasks.route_invoice.delay", calls.append)
    invoice, callbacks = submit(draft, supplier_user, django_capture_on_commit_callbacks)
    assert invoice.status == InvoiceStatus.DEPOSEE
    assert invoice.deposited_at is not None
    assert invoice.number_year == invoice.issue_date.year
    assert invoice.supplier_snapshot["name"] == "Fournitures Dupont"
    assert invoice.supplier_snapshot["siret"] == supplier.siret
    assert invoice.supplier_snapshot["vat_number"] == "FR32123456789"
    assert invoice.recipient_snapshot["name"] == "Mairie de Trifouilly"
    outbox = Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=invoice)
    assert (outbox.kind, outbox.processed_at, outbox.attempts) == (
        OutboxKind.ROUTE_INVOICE,
        None,
        0,
    )
    event = invoice.events.get(action="chorus.invoice.deposited")
    assert (event.from_status, event.to_status, event.actor) == (
        "BROUILLON",
        "DEPOSEE",
        supplier_user,
    )
    # The task is only enqueued once the transaction commits.
    assert calls == []
    # Three side effects recorded in the outbox: routing, documents, the deposit notification.
    kinds = Outbox.objects.filter(invoice=invoice).values_list("kind", flat=True)
    assert sorted(kinds) == sorted(
        [OutboxKind.ROUTE_INVOICE, OutboxKind.RENDER_DOCUMENTS, OutboxKind.NOTIFY_EVENT]
    )
    # Routing and documents get their task on commit; the notification is sent by the routing
    # task itself (its row is the fallback the sweep sends).
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert calls == [invoice.pk]


def test_snapshot_keeps_the_supplier_identity_of_the_deposit_date(
    draft, supplier, supplier_user, django_capture_on_commit_callbacks
):
    submit(draft, supplier_user, django_capture_on_commit_callbacks)
    supplier.name = "Nouveau nom SAS"
    supplier.save()
    draft.refresh_from_db()
    assert draft.supplier_snapshot["name"] == "Fournitures Dupont"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"number": ""}, "number"),
        ({"issue_date": None}, "issue_date"),
        ({"recipient_siret": ""}, "recipient_siret"),
        # A future date (plausible, so a draft keeps it): refused at deposit.
        ({"issue_date": timezone.localdate() + datetime.timedelta(days=30)}, "issue_date"),
        ({"due_date": datetime.date(2000, 1, 1)}, "due_date"),
        ({"lines": []}, "lines"),
    ],
)
def test_submit_refuses_missing_or_inconsistent_fields(
    draft, supplier_user, fields, field, django_capture_on_commit_callbacks
):
    services.invoice_update_draft(invoice_id=draft.pk, by=supplier_user, **fields)
    with pytest.raises(ChorusError) as caught:
        submit(draft, supplier_user, django_capture_on_commit_callbacks)
    assert caught.value.field == field
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.BROUILLON
    assert not Outbox.objects.exists()


def test_submit_refuses_invoicing_oneself(
    draft, supplier, supplier_user, django_capture_on_commit_callbacks
):
    services.invoice_update_draft(
        invoice_id=draft.pk, by=supplier_user, recipient_siret=supplier.siret
    )
    with pytest.raises(ChorusError, match="se facturer elle-même"):
        submit(draft, supplier_user, django_capture_on_commit_callbacks)


def test_submit_requires_current_terms_and_mandate(
    draft, supplier_user, django_capture_on_commit_callbacks
):
    TermsAcceptance.objects.filter(user=supplier_user, document="MANDAT_FACTURATION").delete()
    with pytest.raises(ChorusError, match="mandat de facturation") as caught:
        submit(draft, supplier_user, django_capture_on_commit_callbacks)
    assert caught.value.field == "terms"


def test_submit_refuses_terms_of_an_old_version(
    draft, supplier_user, settings, django_capture_on_commit_callbacks
):
    settings.CHORUS_CGU_VERSION = "2099-01"
    with pytest.raises(ChorusError, match="CGU"):
        submit(draft, supplier_user, django_capture_on_commit_callbacks)


def test_submit_requires_membership(draft, django_capture_on_commit_callbacks):
    with pytest.raises(ChorusError, match="pas rattaché"):
        submit(draft, UserFactory(), django_capture_on_commit_callbacks)


def test_submit_twice_is_refused_with_the_status(
    draft, supplier_user, django_capture_on_commit_callbacks
):
    submit(draft, supplier_user, django_capture_on_commit_callbacks)
    with pytest.raises(ChorusError, match=r"au statut « .* » : action « déposer » impossible"):
        submit(draft, supplier_user, django_capture_on_commit_callbacks)


def test_duplicate_number_same_supplier_and_year_is_refused(
    draft, supplier_user, invoice_in, django_capture_on_commit_callbacks
):
    invoice_in(InvoiceStatus.MISE_A_DISPOSITION, number="F-2026-001")
    with pytest.raises(ChorusError, match="a déjà été déposé") as caught:
        submit(draft, supplier_user, django_capture_on_commit_callbacks)
    assert caught.value.field == "number"


def test_number_of_a_rejected_invoice_can_be_reused(
    draft, supplier_user, invoice_in, django_capture_on_commit_callbacks
):
    invoice_in(InvoiceStatus.REJETEE, number="F-2026-001")
    invoice, _ = submit(draft, supplier_user, django_capture_on_commit_callbacks)
    assert invoice.status == InvoiceStatus.DEPOSEE


def test_same_number_another_year_or_another_supplier_is_accepted(
    draft, supplier_user, invoice_in, django_capture_on_commit_callbacks
):
    invoice_in(InvoiceStatus.DEPOSEE, number="F-2026-001", number_year=2000)
    from tests.invoices.factories import make_invoice

    make_invoice(status=InvoiceStatus.DEPOSEE, number="F-2026-001")  # another supplier
    invoice, _ = submit(draft, supplier_user, django_capture_on_commit_callbacks)
    assert invoice.status == InvoiceStatus.DEPOSEE


def test_credit_note_copies_parties_and_lines_of_the_invoice(invoice_in, supplier_user, recipient):
    original = invoice_in(InvoiceStatus.MISE_EN_PAIEMENT, ej_number="EJ9")
    credit = services.invoice_create_credit_note(
        invoice_id=original.pk, by=supplier_user, number="AV-1"
    )
    assert (credit.type, credit.status, credit.credited_invoice) == (
        InvoiceType.AVOIR,
        InvoiceStatus.BROUILLON,
        original,
    )
    assert (credit.recipient_siret, credit.ej_number, credit.number) == (
        recipient.siret,
        "EJ9",
        "AV-1",
    )
    assert credit.total_gross == original.total_gross
    assert original.events.filter(action="chorus.invoice.credit_note_created").exists()


def test_credit_note_of_a_draft_is_refused(invoice_in, supplier_user):
    draft = invoice_in(InvoiceStatus.BROUILLON)
    with pytest.raises(ChorusError, match="action « créer un avoir » impossible"):
        services.invoice_create_credit_note(invoice_id=draft.pk, by=supplier_user)


# Create and deposit in one write (API `soumettre`) ------------------------------------------------


@pytest.fixture
def deposit_now(supplier, recipient, django_capture_on_commit_callbacks):
    """Create and deposit in one write, with a complete invoice unless told otherwise."""

    def deposit(user, **overrides):
        fields = {
            "number": "F-2026-009",
            "recipient_siret": recipient.siret,
            "issue_date": timezone.localdate(),
            "lines": [
                LINE,
                {"designation": "Livraison", "quantity": 1, "unit_price": "15", "vat_rate": "5.5"},
            ],
            **overrides,
        }
        with django_capture_on_commit_callbacks() as callbacks:
            invoice = services.invoice_deposit(supplier=supplier, by=user, **fields)
        return invoice, callbacks

    return deposit


def test_deposit_in_one_write_gives_what_draft_then_submit_gives(
    draft, supplier_user, deposit_now, django_capture_on_commit_callbacks
):
    submitted, submit_callbacks = submit(draft, supplier_user, django_capture_on_commit_callbacks)
    direct, callbacks = deposit_now(supplier_user)
    direct.refresh_from_db()
    submitted.refresh_from_db()
    same = [
        "status",
        "supplier_id",
        "recipient_siret",
        "total_net",
        "total_vat",
        "total_gross",
        "vat_breakdown",
        "supplier_snapshot",
        "recipient_snapshot",
        "number_year",
        "issue_date",
        "created_by_id",
        "currency",
        "type",
        "cadre",
    ]
    assert {name: getattr(direct, name) for name in same} == {
        name: getattr(submitted, name) for name in same
    }
    assert direct.status == InvoiceStatus.DEPOSEE
    assert direct.deposited_at is not None
    assert [(line.position, line.line_net) for line in direct.lines.order_by("position")] == [
        (line.position, line.line_net) for line in submitted.lines.order_by("position")
    ]
    (event,) = direct.events.all()  # one action, one entry: the deposit
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "chorus.invoice.deposited",
        "BROUILLON",
        "DEPOSEE",
        supplier_user,
    )
    kinds = sorted(Outbox.objects.filter(invoice=direct).values_list("kind", flat=True))
    assert kinds == sorted(
        [OutboxKind.ROUTE_INVOICE, OutboxKind.RENDER_DOCUMENTS, OutboxKind.NOTIFY_EVENT]
    )
    assert len(callbacks) == len(submit_callbacks) == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": ""}, "number"),
        ({"issue_date": None}, "issue_date"),
        ({"lines": []}, "lines"),
        (
            {"lines": [{"designation": "", "quantity": 1, "unit_price": 1, "vat_rate": 20}]},
            "designation",
        ),
        ({"recipient_siret": "123"}, "recipient_siret"),
    ],
)
def test_deposit_in_one_write_refuses_like_submit_and_writes_nothing(
    supplier_user, deposit_now, overrides, field
):
    with pytest.raises(ChorusError) as caught:
        deposit_now(supplier_user, **overrides)
    assert caught.value.field == field
    assert not Invoice.objects.exists()
    assert not Outbox.objects.exists()


def test_deposit_in_one_write_checks_membership_and_terms(supplier_user, deposit_now):
    with pytest.raises(ChorusError, match="pas rattaché"):
        deposit_now(UserFactory())
    TermsAcceptance.objects.filter(user=supplier_user, document="MANDAT_FACTURATION").delete()
    with pytest.raises(ChorusError, match="mandat de facturation"):
        deposit_now(supplier_user)
    assert not Invoice.objects.exists()


def test_deposit_in_one_write_refuses_a_number_already_deposited(
    supplier_user, invoice_in, deposit_now
):
    existing = invoice_in(InvoiceStatus.MISE_A_DISPOSITION, number="F-2026-009")
    with pytest.raises(ChorusError, match="a déjà été déposé") as caught:
        deposit_now(supplier_user)
    assert caught.value.code == "doublon"
    assert list(Invoice.objects.values_list("pk", flat=True)) == [existing.pk]


def test_deposit_in_one_write_runs_the_callers_check_before_writing(supplier_user, deposit_now):
    seen = []

    def refuse(invoice):
        seen.append((invoice.pk, invoice.total_gross))
        raise ChorusError("montantTotal : faux.", field="montantHtTotal")

    with pytest.raises(ChorusError, match="montantTotal"):
        deposit_now(supplier_user, check=refuse)
    assert seen == [(None, Decimal("75.71"))]  # complete and totalled, not yet written
    assert not Invoice.objects.exists()


def test_deposit_writes_its_outbox_rows_in_one_insert_and_no_duplicate_select(
    supplier_user, deposit_now
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        invoice, callbacks = deposit_now(supplier_user)
    sql = [q["sql"] for q in queries]
    assert sum(s.startswith('INSERT INTO "invoices_outbox"') for s in sql) == 1
    # The duplicate check is the unique constraint: nothing reads invoices before the INSERT.
    assert not [s for s in sql if s.startswith("SELECT") and 'FROM "invoices_invoice"' in s]
    kinds = sorted(Outbox.objects.filter(invoice=invoice).values_list("kind", flat=True))
    assert kinds == sorted(
        [OutboxKind.ROUTE_INVOICE, OutboxKind.RENDER_DOCUMENTS, OutboxKind.NOTIFY_EVENT]
    )
    assert len(callbacks) == 2  # routing and rendering; the routing task sends the notification


def test_duplicate_number_message_names_the_year(supplier_user, invoice_in, deposit_now):
    invoice_in(InvoiceStatus.MISE_A_DISPOSITION, number="F-2026-009")
    with pytest.raises(ChorusError) as caught:
        deposit_now(supplier_user)
    year = timezone.localdate().year
    assert f"« F-2026-009 » a déjà été déposé en {year} par votre structure" in caught.value.message
