"""Helpers of the supplier's invoice pages: the issued invoice of the user (else a 404), the
structures they act for.
"""

import functools

from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)

from invoices import selectors
from invoices.models import Invoice
from structures.choices import MembershipStatus
from structures.models import Structure

TERMS_CODE = "cgu"

# --- lookups ---------------------------------------------------------------------------------


def _issued_or_404(request: HttpRequest, pk: int) -> Invoice:
    invoice = selectors.invoice_list_issued(user=request.user).filter(pk=pk).first()
    if invoice is None:
        raise Http404("Facture introuvable.")
    return invoice


def _supplier_structures(user) -> list[Structure]:
    return list(
        Structure.objects.filter(
            memberships__user=user, memberships__status=MembershipStatus.VALIDEE
        ).order_by("name", "pk")
    )


def invoice_view(view):
    """Load invoice `pk` of one of the user's supplier structures (404 otherwise)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        return view(request, _issued_or_404(request, pk), *args, **kwargs)

    return login_required(wrapper)
