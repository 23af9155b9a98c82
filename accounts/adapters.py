from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import get_ip
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Trop de tentatives de connexion échouées pour ce compte depuis votre connexion : "
            "patientez quelques minutes avant de réessayer, ou réinitialisez votre mot de passe."
        ),
    }

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The `key` of the `login_failed` rate limit (`5/5m/key`): the account AND the source
        address. Failures from an attacker throttle that attacker on that account; the owner,
        from anywhere else, still logs in with the right password (issue 14 item 14). Spraying
        from one address is stopped by the per-address limit (`10/m/ip`)."""
        return f"{get_ip(request)}:{super()._get_login_attempts_cache_key(request, **credentials)}"

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return getattr(settings, "ACCOUNT_ALLOW_REGISTRATION", True)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Give every e-mail template the activation-link lifetime and the sandbox flag."""
        context = {
            "expire_days": account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
            "sandbox": settings.CHORUS_SANDBOX,
            **context,
        }
        super().send_mail(template_prefix, email, context)
