import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Notification
from accounts.notifications import notification_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_notification_is_stored_and_emailed_to_the_contact_address(settings):
    settings.CHORUS_SITE_URL = "https://chorus.example.test"
    user = UserFactory(contact_email="compta@example.test")

    notification = notification_send(
        user=user, key="k1", title="Facture F-1 mise en paiement", body="Payée.", url="/factures/1/"
    )

    assert notification.emailed_at is not None
    assert mail.outbox[0].to == ["compta@example.test"]
    assert mail.outbox[0].subject == "[chorus] Facture F-1 mise en paiement"
    assert "https://chorus.example.test/factures/1/" in mail.outbox[0].body


def test_sending_twice_with_the_same_key_notifies_once():
    user = UserFactory()
    for _ in range(2):
        notification_send(user=user, key="invoice-event-7", title="T", body="B")

    assert Notification.objects.filter(user=user).count() == 1
    assert len(mail.outbox) == 1


def test_lost_email_is_sent_again_on_retry():
    user = UserFactory()
    Notification.objects.create(user=user, key="k", title="T", body="B")  # e-mail never went out

    notification_send(user=user, key="k", title="T", body="B")

    assert len(mail.outbox) == 1


def test_notifications_page_lists_only_own_and_counts_unread(client):
    user, other = UserFactory(), UserFactory()
    notification_send(user=user, key="a", title="Ma facture", body="…")
    notification_send(user=other, key="b", title="Celle d'un autre", body="…")
    client.force_login(user)

    response = client.get(reverse("accounts:notifications"))

    assert "Ma facture" in response.text
    assert "Celle d'un autre" not in response.text
    assert response.context["unread_notifications"] == 1


def test_opening_marks_read_and_follows_the_link(client):
    user = UserFactory()
    notification = notification_send(user=user, key="a", title="T", body="B", url="/annuaire/")
    client.force_login(user)

    response = client.post(reverse("accounts:notification_open", args=[notification.pk]))

    assert response.status_code == 302
    assert response.url == "/annuaire/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_another_users_notification_is_404_and_external_links_are_not_followed(client):
    user, other = UserFactory(), UserFactory()
    theirs = notification_send(user=other, key="a", title="T", body="B")
    mine = notification_send(user=user, key="b", title="T", body="B", url="https://evil.example/")
    client.force_login(user)

    assert client.post(reverse("accounts:notification_open", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("accounts:notification_open", args=[mine.pk]))
    assert response.url == reverse("accounts:notifications")


def test_mark_all_read(client):
    user = UserFactory()
    notification_send(user=user, key="a", title="T", body="B")
    notification_send(user=user, key="b", title="T", body="B")
    client.force_login(user)

    client.post(reverse("accounts:notifications"))

    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def test_admin_lists_notifications(admin_client):
    notification_send(user=UserFactory(), key="a", title="Statut changé", body="B")

    response = admin_client.get(reverse("admin:accounts_notification_changelist"))

    assert "Statut changé" in response.text


def test_several_notifications_are_stored_each_and_emailed_together_once():
    from accounts.notifications import NotificationItem, notification_send_many

    user = UserFactory(contact_email="compta@example.test")
    items = [
        NotificationItem("a", "Facture F-1 : déposée", "Déposée.", "/factures/1/"),
        NotificationItem("b", "Facture F-1 : mise à disposition", "Disponible.", "/factures/1/"),
    ]
    sent = notification_send_many(user=user, items=items, subject="Facture F-1 : deux étapes")
    assert sent == 2
    assert sorted(Notification.objects.values_list("key", flat=True)) == ["a", "b"]
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
    (email,) = mail.outbox
    assert email.subject == "[chorus] Facture F-1 : deux étapes"
    assert email.body.index("Déposée.") < email.body.index("Disponible.")
    # Again (a retry): nothing new stored, nothing e-mailed twice.
    notification_send_many(user=user, items=items, subject="Facture F-1 : deux étapes")
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1


def test_grouped_sending_fails_whole_and_leaves_nothing_half_done(monkeypatch):
    from accounts import notifications
    from accounts.notifications import NotificationItem, notification_send_many

    def smtp_down(*args, **kwargs):
        raise OSError("smtp injoignable")

    monkeypatch.setattr(notifications, "send_mail", smtp_down)
    user = UserFactory()
    items = [NotificationItem("a", "A", "a."), NotificationItem("b", "B", "b.")]
    with pytest.raises(OSError, match="smtp injoignable"):
        notification_send_many(user=user, items=items, subject="A et B")
    assert not Notification.objects.exists()  # the retry will send both
