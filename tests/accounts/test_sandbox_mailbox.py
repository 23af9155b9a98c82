"""Sandbox mailbox: superusers only, sandbox only, newest first, keyset pages, clickable links."""

from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import SandboxEmail
from accounts.selectors import sandbox_email_page
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def _emails(count: int, *, same_time: bool = False) -> list[SandboxEmail]:
    base = timezone.now()
    rows = []
    for i in range(count):
        email = SandboxEmail.objects.create(
            subject=f"Message {i}", from_email="chorus@x.test", to="a@x.test", body=f"corps {i}"
        )
        sent_at = base if same_time else base - timedelta(minutes=count - i)
        SandboxEmail.objects.filter(pk=email.pk).update(sent_at=sent_at)
        rows.append(email)
    return rows


def test_backend_keeps_a_copy_of_each_sent_email(settings):
    settings.EMAIL_BACKEND = "accounts.mail.SandboxEmailBackend"
    mail.send_mail("Objet", "Corps https://x.test/a", "de@x.test", ["b@x.test"])
    copy = SandboxEmail.objects.get()
    assert (copy.subject, copy.to, copy.body) == ("Objet", "b@x.test", "Corps https://x.test/a")
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(("url_name", "args"), [("sandbox_mailbox", []), ("sandbox_email", [1])])
def test_non_superuser_gets_404(client, url_name, args):
    SandboxEmail.objects.create(subject="s", from_email="f", to="t", body="b")
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse(f"accounts:{url_name}", args=args)).status_code == 404


def test_mailbox_is_404_when_sandbox_is_off(admin_client, settings):
    settings.CHORUS_SANDBOX = False
    assert admin_client.get(reverse("accounts:sandbox_mailbox")).status_code == 404


def test_mailbox_lists_newest_first(admin_client):
    _emails(3)
    html = admin_client.get(reverse("accounts:sandbox_mailbox")).content.decode()
    assert html.index("Message 2") < html.index("Message 1") < html.index("Message 0")


def test_keyset_pagination_walks_every_email_once_even_with_equal_timestamps():
    emails = _emails(7, same_time=True)
    seen, cursor = [], ""
    while True:
        page = sandbox_email_page(cursor=cursor, size=3)
        seen += [e.pk for e in page.emails]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == sorted((e.pk for e in emails), reverse=True)


def test_mailbox_pages_through_links(admin_client):
    _emails(30)
    first = admin_client.get(reverse("accounts:sandbox_mailbox"))
    page = first.context["page"]
    assert len(page.emails) == 25
    assert page.next_cursor
    html = unescape(first.content.decode())
    assert "E-mails plus anciens" in html
    second = admin_client.get(reverse("accounts:sandbox_mailbox"), {"apres": page.next_cursor})
    assert [e.subject for e in second.context["page"].emails] == [
        f"Message {i}" for i in range(4, -1, -1)
    ]
    assert "Revenir aux plus récents" in unescape(second.content.decode())


def test_bad_cursor_shows_first_page(admin_client):
    _emails(2)
    response = admin_client.get(reverse("accounts:sandbox_mailbox"), {"apres": "n'importe-quoi"})
    assert response.status_code == 200
    assert len(response.context["page"].emails) == 2


def test_mailbox_query_count_does_not_grow_with_emails(admin_client):
    _emails(2)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse("accounts:sandbox_mailbox"))
    _emails(20)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(reverse("accounts:sandbox_mailbox"))
    assert len(few) == len(many)


def test_email_detail_shows_headers_and_clickable_links(admin_client):
    email = SandboxEmail.objects.create(
        subject="[chorus] Activez votre compte",
        from_email="chorus <ne-pas-repondre@chorus.localhost>",
        to="marie@example.test",
        body="Ouvrez ce lien :\nhttp://testserver/compte/confirm-email/abc/\n<script>x</script>",
    )
    html = admin_client.get(reverse("accounts:sandbox_email", args=[email.pk])).content.decode()
    assert "marie@example.test" in html
    assert "Activez votre compte" in html
    assert '<a href="http://testserver/compte/confirm-email/abc/"' in html
    assert "<script>x</script>" not in html


def test_unknown_email_is_404(admin_client):
    assert admin_client.get(reverse("accounts:sandbox_email", args=[999])).status_code == 404
