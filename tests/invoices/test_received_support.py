"""Builders shared by the back-office ("Factures reçues") tests (no tests in this module)."""

import datetime

from django.utils import timezone

from invoices.choices import InvoiceStatus
from invoices.models import InvoiceEvent
from structures.choices import AccessLevel
from tests.factories import MembershipFactory, ServiceFactory, StructureFactory, UserFactory
from tests.invoices.factories import make_invoice

S = InvoiceStatus


def public_structure(**kwargs):
    return StructureFactory(public=True, **kwargs)


def staff_of(structure, *, access_level=AccessLevel.MODIFICATION, services=()):
    user = UserFactory()
    membership = MembershipFactory(user=user, structure=structure, access_level=access_level)
    membership.services.set(services)
    return user


def received(recipient, *, status=S.MISE_A_DISPOSITION, days_ago=1, service=None, **kwargs):
    """An invoice made available `days_ago` days ago to `recipient` (event written)."""
    at = timezone.now() - datetime.timedelta(days=days_ago)
    invoice = make_invoice(
        status=status,
        supplier=kwargs.pop("supplier", None) or StructureFactory(),
        recipient=recipient,
        recipient_siret=recipient.siret,
        service=service,
        made_available_at=at,
        **kwargs,
    )
    event = InvoiceEvent.objects.create(
        invoice=invoice,
        action="chorus.invoice.made_available",
        from_status=S.EN_COURS_ACHEMINEMENT,
        to_status=S.MISE_A_DISPOSITION,
    )
    InvoiceEvent.objects.filter(pk=event.pk).update(created_at=at)
    return invoice


__all__ = ["ServiceFactory", "public_structure", "received", "staff_of"]
