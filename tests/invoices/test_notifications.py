"""Every status change reaches the supplier: in the portal and by e-mail, through the outbox."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from invoices import services
from invoices.choices import InvoiceStatus, OutboxKind, RejectionReason
from invoices.models import Outbox
from invoices.notifications import invoice_event_notify
from invoices.tasks import notify_invoice_event, outbox_sweep, render_invoice_documents
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_rejection_notifies_the_depositor_with_the_reason(
    invoice_in, supplier_user, recipient_user, django_capture_on_commit_callbacks
):
    supplier_user.contact_email = "compta@dupont.test"
    supplier_user.save()
    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION, created_by=supplier_user, number="F-9")

    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_reject(
            invoice_id=invoice.pk,
            by=recipient_user,
            reason=RejectionReason.values[0],
            comment="Montant faux",
        )

    notification = Notification.objects.get(user=supplier_user)
    assert notification.title == "Facture F-9 : rejetée"
    assert "Montant faux" in notification.body
    assert notification.url == f"/factures/{invoice.pk}/"
    assert [m.to for m in mail.outbox] == [["compta@dupont.test"]]
    row = Outbox.objects.get(invoice=invoice, kind=OutboxKind.NOTIFY_EVENT)
    assert row.processed_at is not None


def test_a_redelivered_notification_task_notifies_once(
    invoice_in, supplier_user, recipient_user, django_capture_on_commit_callbacks
):
    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION, created_by=supplier_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_suspend(invoice_id=invoice.pk, by=recipient_user, reason="Pièce manquante")
    event = invoice.events.get(action="chorus.invoice.suspended")

    assert notify_invoice_event.apply(args=[event.pk]).get() == 1  # delivered a second time

    assert Notification.objects.filter(user=supplier_user).count() == 1
    assert len(mail.outbox) == 1


def test_the_principal_is_told_when_the_depositor_has_left(invoice_in, supplier, recipient_user):
    principal = MembershipFactory(structure=supplier, principal=True).user
    gone = UserFactory()  # deposited, then detached: no validated membership any more
    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION, created_by=gone)
    services.invoice_suspend(invoice_id=invoice.pk, by=recipient_user, reason="Pièce manquante")
    event = invoice.events.get(action="chorus.invoice.suspended")

    assert invoice_event_notify(event_id=event.pk) == 1

    assert Notification.objects.filter(user=principal).exists()
    assert not Notification.objects.filter(user=gone).exists()


def test_a_plain_member_who_is_principal_elsewhere_is_not_told(
    invoice_in, supplier, recipient_user
):
    principal = MembershipFactory(structure=supplier, principal=True).user
    plain = MembershipFactory(structure=supplier).user  # simple user of the supplier...
    MembershipFactory(user=plain, principal=True)  # ...and principal of another structure
    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION, created_by=UserFactory())
    services.invoice_suspend(invoice_id=invoice.pk, by=recipient_user, reason="Pièce manquante")
    event = invoice.events.get(action="chorus.invoice.suspended")

    assert invoice_event_notify(event_id=event.pk) == 1

    assert list(Notification.objects.values_list("user", flat=True)) == [principal.pk]


def test_a_failed_e_mail_leaves_no_notification_and_the_retry_sends_it(
    invoice_in, supplier_user, recipient_user, monkeypatch
):
    from accounts import notifications

    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION, created_by=supplier_user)
    services.invoice_suspend(invoice_id=invoice.pk, by=recipient_user, reason="Pièce manquante")
    event = invoice.events.get(action="chorus.invoice.suspended")
    send_mail = notifications.send_mail

    def smtp_down(*args, **kwargs):
        raise ConnectionError("serveur SMTP injoignable")

    monkeypatch.setattr(notifications, "send_mail", smtp_down)
    with pytest.raises(ConnectionError):
        invoice_event_notify(event_id=event.pk)
    assert not Notification.objects.filter(user=supplier_user).exists()
    assert mail.outbox == []

    monkeypatch.setattr(notifications, "send_mail", send_mail)
    assert invoice_event_notify(event_id=event.pk) == 1
    assert invoice_event_notify(event_id=event.pk) == 1  # a redelivery: no second e-mail
    assert Notification.objects.get(user=supplier_user).emailed_at is not None
    assert len(mail.outbox) == 1


def test_transient_routing_status_is_not_notified(invoice_in, supplier_user):
    invoice = invoice_in(InvoiceStatus.DEPOSEE, created_by=supplier_user)
    Outbox.objects.create(invoice=invoice, kind=OutboxKind.ROUTE_INVOICE)

    services.invoice_route(invoice_id=invoice.pk)

    notified = Outbox.objects.filter(invoice=invoice, kind=OutboxKind.NOTIFY_EVENT)
    assert [row.event.to_status for row in notified] == [InvoiceStatus.MISE_A_DISPOSITION]


def test_sweep_sends_lost_documents_and_notifications_again(
    invoice_in, supplier_user, recipient_user, monkeypatch
):
    sent = []
    monkeypatch.setattr(notify_invoice_event, "delay", lambda pk: sent.append(("notify", pk)))
    monkeypatch.setattr(render_invoice_documents, "delay", lambda pk: sent.append(("render", pk)))
    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION, created_by=supplier_user)
    services.invoice_suspend(invoice_id=invoice.pk, by=recipient_user, reason="Pièce manquante")
    Outbox.objects.create(invoice=invoice, kind=OutboxKind.RENDER_DOCUMENTS)
    Outbox.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    event = invoice.events.get(action="chorus.invoice.suspended")

    assert outbox_sweep.apply().get() == 2

    assert sorted(sent) == [("notify", event.pk), ("render", invoice.pk)]


def test_a_backlog_of_one_kind_does_not_starve_routing(invoice_in, monkeypatch):
    from invoices.services.outbox import outbox_due

    invoice = invoice_in(InvoiceStatus.DEPOSEE)
    for _ in range(5):
        Outbox.objects.create(invoice=invoice, kind=OutboxKind.RENDER_DOCUMENTS)
    route = Outbox.objects.create(invoice=invoice, kind=OutboxKind.ROUTE_INVOICE)
    Outbox.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10))

    due = outbox_due(older_than=datetime.timedelta(seconds=60), limit=2)

    assert route.pk in {row.pk for row in due}
