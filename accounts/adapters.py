from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Trop de tentatives de connexion échouées pour ce compte : patientez quelques minutes "
            "avant de réessayer, ou réinitialisez votre mot de passe."
        ),
    }

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
