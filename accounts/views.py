from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.choices import LegalDocument
from accounts.forms import ProfileForm, TermsAcceptForm
from accounts.models import Notification, SandboxEmail
from accounts.notifications import notification_mark_read
from accounts.selectors import sandbox_email_page, terms_status, user_can_deposit
from accounts.services import terms_accept, user_update_profile
from chorus.exceptions import ChorusError
from chorus.security import client_address

AGREE_LABELS = {
    LegalDocument.CGU: "J'ai lu et j'accepte les conditions générales d'utilisation",
    LegalDocument.MANDAT_FACTURATION: "J'ai lu le mandat de facturation et je le signe",
}
ACCEPT_BUTTONS = {
    LegalDocument.CGU: "Accepter les CGU",
    LegalDocument.MANDAT_FACTURATION: "Signer le mandat de facturation",
}


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "contact_email": user.contact_email,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(user=user, **form.cleaned_data)
        except ChorusError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, "Vos informations ont été enregistrées.")
            return redirect("accounts:profile")
    context = {
        "form": form,
        "mfa_enabled": is_mfa_enabled(user),
        "terms": terms_status(user=user),
    }
    return render(request, "accounts/profile.html", context)


def _terms_forms(bound: TermsAcceptForm | None = None) -> dict[str, TermsAcceptForm]:
    forms = {
        doc: TermsAcceptForm(document=doc, agree_label=AGREE_LABELS[doc])
        for doc in LegalDocument.values
    }
    if bound is not None:
        forms[bound.document] = bound
    return forms


@require_http_methods(["GET", "POST"])
@login_required
def terms(request: HttpRequest) -> HttpResponse:
    bound = None
    if request.method == "POST":
        document = request.POST.get("document", "")
        if document not in LegalDocument.values:
            messages.error(request, "Document : ce document n'existe pas.")
            return redirect("accounts:terms")
        bound = TermsAcceptForm(request.POST, document=document, agree_label=AGREE_LABELS[document])
        if bound.is_valid():
            try:
                terms_accept(
                    user=request.user, document=document, ip_address=client_address(request) or None
                )
            except ChorusError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, f"{LegalDocument(document).label} : acceptation enregistrée."
                )
                return redirect("accounts:terms")
    forms = _terms_forms(bound)
    documents = [
        {
            "status": status,
            "form": forms[status.document],
            "button": ACCEPT_BUTTONS[status.document],
        }
        for status in terms_status(user=request.user)
    ]
    status = 400 if bound is not None else 200
    context = {"documents": documents, "can_deposit": user_can_deposit(user=request.user)}
    return render(request, "accounts/terms.html", context, status=status)


def _require_sandbox_superuser(request: HttpRequest) -> None:
    if not (settings.CHORUS_SANDBOX and request.user.is_superuser):
        raise Http404("Page introuvable.")


@require_http_methods(["GET"])
@login_required
def sandbox_mailbox(request: HttpRequest) -> HttpResponse:
    _require_sandbox_superuser(request)
    page = sandbox_email_page(cursor=request.GET.get("apres", ""))
    return render(request, "accounts/sandbox_mailbox.html", {"page": page})


@require_http_methods(["GET"])
@login_required
def sandbox_email(request: HttpRequest, pk: int) -> HttpResponse:
    _require_sandbox_superuser(request)
    email = get_object_or_404(SandboxEmail, pk=pk)
    return render(request, "accounts/sandbox_email.html", {"email": email})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        notification_mark_read(user=request.user)
        messages.success(request, "Toutes vos notifications sont marquées comme lues.")
        return redirect("accounts:notifications")
    items = Notification.objects.filter(user=request.user)[:100]
    return render(request, "accounts/notifications.html", {"notifications": items})


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("accounts:notifications")
