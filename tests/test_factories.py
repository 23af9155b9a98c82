import pytest
from stdnum.fr import siret

from structures.models import Membership
from tests.factories import MembershipFactory, StructureFactory, _luhn_siret


def test_generated_sirets_are_valid():
    assert all(siret.is_valid(_luhn_siret(n)) for n in range(200))


@pytest.mark.django_db
def test_principal_membership_factory():
    membership = MembershipFactory(principal=True)
    assert membership.is_principal
    assert Membership.objects.get(pk=membership.pk).status == "VALIDEE"
    assert StructureFactory(public=True).is_public
