import pytest
from django.conf import settings

from accounts.choices import LegalDocument
from accounts.models import TermsAcceptance
from invoices.choices import InvoiceStatus
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.factories import make_invoice


def accept_terms(user) -> None:
    TermsAcceptance.objects.create(
        user=user, document=LegalDocument.CGU, version=settings.CHORUS_CGU_VERSION
    )
    TermsAcceptance.objects.create(
        user=user,
        document=LegalDocument.MANDAT_FACTURATION,
        version=settings.CHORUS_MANDATE_VERSION,
    )


@pytest.fixture
def supplier(db):
    return StructureFactory(name="Fournitures Dupont", vat_number="FR32123456789")


@pytest.fixture
def supplier_user(supplier):
    user = UserFactory()
    MembershipFactory(user=user, structure=supplier)
    accept_terms(user)
    return user


@pytest.fixture
def recipient(db):
    return StructureFactory(public=True, name="Mairie de Trifouilly")


@pytest.fixture
def recipient_user(recipient):
    user = UserFactory()
    MembershipFactory(user=user, structure=recipient)
    return user


@pytest.fixture
def invoice_in(supplier, recipient):
    """Build an invoice of `supplier` to `recipient` in the given status."""

    def build(status=InvoiceStatus.MISE_A_DISPOSITION, **kwargs):
        kwargs.setdefault("recipient_siret", recipient.siret)
        if status not in (
            InvoiceStatus.BROUILLON,
            InvoiceStatus.DEPOSEE,
            InvoiceStatus.EN_COURS_ACHEMINEMENT,
        ):
            kwargs.setdefault("recipient", recipient)
        return make_invoice(status=status, supplier=supplier, **kwargs)

    return build
