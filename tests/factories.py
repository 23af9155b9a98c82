"""Shared factory_boy factories for users and structures (app-specific ones live beside tests)."""

import factory
from django.utils import timezone

from accounts.models import User
from structures.choices import (
    CompanyCategory,
    IdentifierType,
    MembershipRole,
    MembershipStatus,
    PublicCategory,
    StructureKind,
)
from structures.models import CompanyRecord, EngagementJuridique, Membership, Service, Structure


def _luhn_complete(digits: str) -> str:
    """Append the Luhn check digit to `digits`."""
    for key in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(digits + key)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits + key
    raise AssertionError("unreachable")


def _luhn_siret(n: int) -> str:
    """A valid SIRET built from a counter: a valid SIREN, then NIC with the SIRET key."""
    siren = _luhn_complete(f"{80000000 + n:08d}")
    return _luhn_complete(siren + f"{n % 10000:04d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-42")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Users are created with a verified primary e-mail unless verified=False."""
        self.save()
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class CompanyRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyRecord

    siret = factory.Sequence(_luhn_siret)
    name = factory.Faker("company", locale="fr_FR")
    address = factory.Faker("street_address", locale="fr_FR")
    postal_code = "75011"
    city = "PARIS"
    category = CompanyCategory.PME


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    kind = StructureKind.PRIVEE
    identifier_type = IdentifierType.SIRET
    identifier = factory.Sequence(lambda n: _luhn_siret(n + 50000))
    name = factory.Faker("company", locale="fr_FR")
    address = "1 rue de la Paix"
    postal_code = "75002"
    city = "PARIS"
    company_category = CompanyCategory.PME

    class Params:
        public = factory.Trait(
            kind=StructureKind.PUBLIQUE,
            company_category="",
            public_category=PublicCategory.ETAT,
        )


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    structure = factory.SubFactory(StructureFactory, public=True)
    code = factory.Sequence(lambda n: f"SERVICE_{n}")
    label = factory.Sequence(lambda n: f"Service n° {n}")


class EngagementJuridiqueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EngagementJuridique

    structure = factory.SubFactory(StructureFactory, public=True)
    number = factory.Sequence(lambda n: f"2024{n:04d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """A validated simple user by default; traits `principal` and `pending`."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)
    role = MembershipRole.UTILISATEUR
    status = MembershipStatus.VALIDEE
    decided_at = factory.LazyFunction(timezone.now)

    class Params:
        principal = factory.Trait(role=MembershipRole.GESTIONNAIRE_PRINCIPAL)
        pending = factory.Trait(status=MembershipStatus.EN_COURS_DE_VALIDATION, decided_at=None)
