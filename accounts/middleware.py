from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Paths a user without a second factor may still reach when MFA is mandatory.
_ALLOWED_PREFIXES = ("/compte/", "/static/")


class RequireMFAMiddleware:
    """When CHORUS_MFA_REQUIRED is on, send users without TOTP to its activation page.

    Demo users (mfa_exempt) are never asked, so the sandbox opens fast.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.CHORUS_MFA_REQUIRED
            and user is not None
            and user.is_authenticated
            and not user.mfa_exempt
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not is_mfa_enabled(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
