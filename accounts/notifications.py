"""Notify users in the portal and by e-mail (to their contact address)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification, User


class _AlreadyThere(Exception):
    """The (user, key) notification exists: leave the first attempt and take the slow path."""


def notification_send(
    *,
    user: User,
    key: str,
    title: str,
    body: str,
    url: str = "",
    connection: BaseEmailBackend | None = None,
) -> Notification:
    """Create the in-app notification once per (user, key) and e-mail it if not yet e-mailed.

    Safe to call again with the same key (task retries): no second notification, no second e-mail
    once the first has gone. `connection`: an open mail connection shared by several sends.
    """
    # First time (the usual case): the row, stamped as e-mailed, and the e-mail in one
    # transaction, so no one sees the stamp before the e-mail has gone, and a failed e-mail
    # leaves no row. A concurrent sender waits on the unique key, then takes the path below.
    try:
        with transaction.atomic():
            try:
                notification = Notification.objects.create(
                    user=user,
                    key=key,
                    title=title,
                    body=body,
                    url=url,
                    emailed_at=timezone.now(),
                )
            except IntegrityError:
                raise _AlreadyThere from None
            _email(user=user, title=title, body=body, url=url, connection=connection)
            return notification
    except _AlreadyThere:
        pass
    with transaction.atomic():
        notification, _ = Notification.objects.get_or_create(
            user=user, key=key, defaults={"title": title, "body": body, "url": url}
        )
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        if notification.emailed_at is None:
            _email(user=user, title=title, body=body, url=url, connection=connection)
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
    return notification


@dataclass(frozen=True)
class NotificationItem:
    key: str
    title: str
    body: str
    url: str = ""


def notification_send_many(
    *,
    user: User,
    items: list[NotificationItem],
    subject: str,
    connection: BaseEmailBackend | None = None,
) -> int:
    """Several notifications for one user at once: one in-app notification each, one e-mail for
    all of them (`subject`, the bodies one after the other). Returns the number of items.

    Same guarantees as `notification_send`: the rows and the e-mail in one transaction; if any
    of them exists already (a retry, a concurrent sender), each item takes `notification_send`,
    which neither duplicates a row nor e-mails one twice.
    """
    if len(items) > 1:
        try:
            with transaction.atomic():
                now = timezone.now()
                try:
                    Notification.objects.bulk_create(
                        Notification(
                            user=user,
                            key=item.key,
                            title=item.title,
                            body=item.body,
                            url=item.url,
                            emailed_at=now,
                        )
                        for item in items
                    )
                except IntegrityError:
                    raise _AlreadyThere from None
                body = "\n\n".join(item.body for item in items)
                _email(
                    user=user, title=subject, body=body, url=items[-1].url, connection=connection
                )
                return len(items)
        except _AlreadyThere:
            pass  # some went already: one by one below, each at most once
    for item in items:
        notification_send(
            user=user,
            key=item.key,
            title=item.title,
            body=item.body,
            url=item.url,
            connection=connection,
        )
    return len(items)


def _email(
    *, user: User, title: str, body: str, url: str, connection: BaseEmailBackend | None
) -> None:
    link = f"\n\n{settings.CHORUS_SITE_URL.rstrip('/')}{url}" if url else ""
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + title,
        f"Bonjour,\n\n{body}{link}\n\n— chorus (environnement d'émulation, "
        "ceci n'est pas Chorus Pro)",
        None,
        [user.notification_email],
        connection=connection,
    )


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) as read; return how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
