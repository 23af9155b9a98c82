from django.conf import settings
from django.http import HttpRequest


def chorus(request: HttpRequest) -> dict:
    context = {"CHORUS_SANDBOX": settings.CHORUS_SANDBOX}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from accounts.notifications import notification_unread_count

        context["unread_notifications"] = notification_unread_count(user=user)
        context["menu"] = _menu(user)
    return context


def _menu(user) -> dict[str, bool]:
    """Which menu entries lead somewhere for this user (issue 18: one menu per role), from their
    validated memberships (one query)."""
    from structures.choices import MembershipRole, MembershipStatus, StructureKind
    from structures.models import Membership

    rows = list(
        Membership.objects.filter(user=user, status=MembershipStatus.VALIDEE).values_list(
            "role", "structure__kind"
        )
    )
    return {
        "member": bool(rows),
        "recipient": any(kind == StructureKind.PUBLIQUE for _role, kind in rows),
        "principal": any(role == MembershipRole.GESTIONNAIRE_PRINCIPAL for role, _kind in rows),
    }
