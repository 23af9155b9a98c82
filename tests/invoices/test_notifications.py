"""Every status change reaches the supplier: in the portal and by e-mail, through the outbox."""

import datetime

import pytest
from django.core import mail
from django.core.mail.backends import locmem
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


def _deposit(invoice_in, supplier_user, capture, *, routed_by_task: bool = True):
    """Deposit a draft; its on-commit callbacks run (routing in process), nothing else."""
    draft = invoice_in(InvoiceStatus.BROUILLON, created_by=supplier_user, number="F-77")
    with capture(execute=routed_by_task) as callbacks:
        services.invoice_submit(invoice_id=draft.pk, by=supplier_user)
    return draft, callbacks


def test_routing_task_sends_the_deposit_and_verdict_notifications_itself(
    invoice_in, supplier_user, django_capture_on_commit_callbacks, monkeypatch
):
    """One task per invoice: no notification task is sent for the deposit or the verdict."""
    sent = []
    monkeypatch.setattr(notify_invoice_event, "delay", lambda event_id: sent.append(event_id))
    invoice, _ = _deposit(invoice_in, supplier_user, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert sent == []
    titles = list(
        Notification.objects.filter(user=supplier_user)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles == ["Facture F-77 : déposée", "Facture F-77 : mise à disposition du destinataire"]
    (email,) = mail.outbox  # one e-mail for both changes
    assert email.subject == (
        "[chorus] Facture F-77 : déposée, puis mise à disposition du destinataire"
    )
    assert "au statut « Déposée »" in email.body
    assert "au statut « Mise à disposition du destinataire »" in email.body
    assert email.body.index("« Déposée »") < email.body.index("« Mise à disposition")
    pending = Outbox.objects.filter(
        invoice=invoice, kind=OutboxKind.NOTIFY_EVENT, processed_at__isnull=True
    )
    assert not pending.exists()
    assert Outbox.objects.filter(invoice=invoice, kind=OutboxKind.NOTIFY_EVENT).count() == 2


def test_notifications_the_routing_task_could_not_send_go_to_their_own_tasks(
    invoice_in, supplier_user, django_capture_on_commit_callbacks, monkeypatch
):
    import invoices.notifications as notifications

    def smtp_down(**kwargs):
        raise OSError("smtp injoignable")

    sent = []
    monkeypatch.setattr(notifications, "notification_send_many", smtp_down)
    monkeypatch.setattr(notify_invoice_event, "delay", lambda event_id: sent.append(event_id))
    invoice, _ = _deposit(invoice_in, supplier_user, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION  # routing is not undone
    pending = Outbox.objects.filter(
        invoice=invoice, kind=OutboxKind.NOTIFY_EVENT, processed_at__isnull=True
    )
    assert sorted(sent) == sorted(pending.values_list("event_id", flat=True))
    assert len(sent) == 2
    monkeypatch.undo()
    for event_id in sent:  # the tasks, once the mail server is back
        notify_invoice_event.apply(args=[event_id])
    assert len(mail.outbox) == 2
    assert not pending.exists()


def test_a_deposit_notification_left_by_a_lost_routing_task_is_swept(
    invoice_in, supplier_user, django_capture_on_commit_callbacks, monkeypatch
):
    """Routing task lost (worker killed): the undispatched notification row is the guarantee."""
    invoice, callbacks = _deposit(
        invoice_in, supplier_user, django_capture_on_commit_callbacks, routed_by_task=False
    )
    assert len(callbacks) == 2  # routing and documents; the notification waits for routing
    row = Outbox.objects.get(invoice=invoice, kind=OutboxKind.NOTIFY_EVENT)
    assert row.dispatched_at is None
    Outbox.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    monkeypatch.setattr("invoices.tasks.route_invoice.delay", lambda invoice_id: None)
    outbox_sweep.apply()
    assert [n.title for n in Notification.objects.filter(user=supplier_user)] == [
        "Facture F-77 : déposée"
    ]
    row.refresh_from_db()
    assert row.processed_at is not None


class SessionCountingBackend(locmem.EmailBackend):
    """locmem that opens a "session" per send unless already open, as the SMTP backend does."""

    sessions = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connected = False

    def open(self):
        if self.connected:
            return False
        self.connected = True
        type(self).sessions += 1
        return True

    def close(self):
        self.connected = False

    def send_messages(self, messages):
        opened = self.open()
        try:
            return super().send_messages(messages)
        finally:
            if opened:
                self.close()


def test_routing_task_sends_its_notifications_over_one_mail_session(
    invoice_in, supplier_user, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.CHORUS_INNER_EMAIL_BACKEND = f"{__name__}.SessionCountingBackend"
    monkeypatch.setattr(SessionCountingBackend, "sessions", 0)
    _deposit(invoice_in, supplier_user, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # deposit and verdict, in one e-mail
    assert SessionCountingBackend.sessions == 1


def test_grouped_notifications_are_sent_once_even_when_one_went_already(
    invoice_in, supplier_user, django_capture_on_commit_callbacks, monkeypatch
):
    """The deposit's notification went by its own task (sweep) before routing ran: the routing
    task sends only the verdict, and nothing twice."""
    from invoices.notifications import invoice_notify_pending

    invoice, _ = _deposit(
        invoice_in, supplier_user, django_capture_on_commit_callbacks, routed_by_task=False
    )
    deposit_row = Outbox.objects.get(invoice=invoice, kind=OutboxKind.NOTIFY_EVENT)
    notify_invoice_event.apply(args=[deposit_row.event_id])  # the sweep's task
    services.invoice_route(invoice_id=invoice.pk)
    Outbox.objects.filter(pk=deposit_row.pk).update(processed_at=None)  # as if not yet marked
    assert invoice_notify_pending(invoice_id=invoice.pk) == 2
    assert invoice_notify_pending(invoice_id=invoice.pk) == 0  # all marked processed
    titles = sorted(Notification.objects.values_list("title", flat=True))
    assert titles == ["Facture F-77 : déposée", "Facture F-77 : mise à disposition du destinataire"]
    assert [m.subject for m in mail.outbox] == [
        "[chorus] Facture F-77 : déposée",
        "[chorus] Facture F-77 : mise à disposition du destinataire",
    ]
