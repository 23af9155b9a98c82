from django.conf import settings
from django.http import HttpRequest


def chorus(request: HttpRequest) -> dict:
    context = {"CHORUS_SANDBOX": settings.CHORUS_SANDBOX}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from accounts.notifications import notification_unread_count

        context["unread_notifications"] = notification_unread_count(user=user)
    return context
