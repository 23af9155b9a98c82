"""Bank details of a structure (issue 15): IBAN/BIC checked with python-stdnum, several accounts,
one default, managed by the principal manager in the portal with an audit trail, and the admin."""

import pytest
from django.urls import reverse

from chorus.exceptions import ChorusError
from structures import bank_services
from structures.admin import BankAccountForm
from structures.models import BankAccount, StructureLog
from tests.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db

IBAN = "FR7630006000011234567890189"
IBAN_2 = "FR1420041010050500013M02606"
BIC = "BNPAFRPP"


@pytest.fixture
def owner():
    return MembershipFactory(principal=True, structure=StructureFactory(name="Menuiserie Durand"))


def create(owner, **kwargs):
    values = {"label": "Compte principal", "iban": IBAN} | kwargs
    return bank_services.bank_account_create(structure=owner.structure, by=owner.user, **values)


# services ------------------------------------------------------------------------------------
def test_first_account_becomes_the_default_and_is_stored_compact(owner):
    account = create(owner, iban="fr76 3000 6000 0112 3456 7890 189", bic="bnpa frpp")
    assert account.iban == IBAN
    assert account.bic == BIC
    assert account.is_default
    assert account.is_active
    log = StructureLog.objects.get(action="chorus.structure.bank_account_added")
    assert "Compte principal" in log.message
    assert IBAN not in log.message  # the trail shows a masked IBAN


def test_several_accounts_one_default(owner):
    first = create(owner)
    second = create(owner, label="Compte travaux", iban=IBAN_2)
    assert not second.is_default
    bank_services.bank_account_set_default(
        structure=owner.structure, by=owner.user, account_id=second.pk
    )
    defaults = BankAccount.objects.filter(structure=owner.structure, is_default=True)
    assert list(defaults) == [second]
    first.refresh_from_db()
    assert not first.is_default


@pytest.mark.parametrize(
    ("iban", "field"),
    [("FR7630006000011234567890188", "iban"), ("XX00", "iban"), ("", "iban")],
)
def test_invalid_iban_is_refused_in_french_naming_the_field(owner, iban, field):
    with pytest.raises(ChorusError) as excinfo:
        create(owner, iban=iban)
    assert excinfo.value.field == field
    assert "IBAN" in excinfo.value.message
    assert not BankAccount.objects.exists()


def test_invalid_bic_is_refused(owner):
    with pytest.raises(ChorusError) as excinfo:
        create(owner, bic="BNP")
    assert excinfo.value.field == "bic"


def test_same_iban_twice_is_refused(owner):
    create(owner)
    with pytest.raises(ChorusError) as excinfo:
        create(owner, label="Doublon")
    assert excinfo.value.field == "iban"


def test_only_the_principal_manager_manages_bank_details(owner):
    member = MembershipFactory(structure=owner.structure)
    with pytest.raises(ChorusError) as excinfo:
        bank_services.bank_account_create(
            structure=owner.structure, by=member.user, label="X", iban=IBAN
        )
    assert "gestionnaire principal" in excinfo.value.message


def test_deactivating_the_default_hands_over_to_another_active_account(owner):
    first = create(owner)
    second = create(owner, label="Compte travaux", iban=IBAN_2)
    bank_services.bank_account_deactivate(
        structure=owner.structure, by=owner.user, account_id=first.pk
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_active
    assert not first.is_default
    assert second.is_default
    log = StructureLog.objects.get(action="chorus.structure.bank_account_deactivated")
    assert "Compte travaux" in log.message


def test_another_structures_account_is_not_found(owner):
    other = MembershipFactory(principal=True)
    account = bank_services.bank_account_create(
        structure=other.structure, by=other.user, label="Autre", iban=IBAN
    )
    with pytest.raises(ChorusError):
        bank_services.bank_account_set_default(
            structure=owner.structure, by=owner.user, account_id=account.pk
        )


# portal --------------------------------------------------------------------------------------
def test_principal_adds_an_account_in_the_portal(client, owner):
    client.force_login(owner.user)
    url = reverse("structures:bank_accounts", args=[owner.structure.pk])
    response = client.post(
        url, {"label": "Compte principal", "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": BIC}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "FR76 3000 6000 0112 3456 7890 189" in page
    assert "par défaut" in page
    assert "ceci n'est pas Chorus Pro" in page


def test_bad_iban_in_the_portal_is_rerendered_with_the_input(client, owner):
    client.force_login(owner.user)
    url = reverse("structures:bank_accounts", args=[owner.structure.pk])
    response = client.post(url, {"label": "Compte", "iban": "FR76 0000"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "pas un IBAN valide" in page
    assert 'value="FR76 0000"' in page
    assert not BankAccount.objects.exists()


def test_portal_default_and_deactivate(client, owner):
    first = create(owner)
    second = create(owner, label="Compte travaux", iban=IBAN_2)
    client.force_login(owner.user)
    pk = owner.structure.pk
    client.post(reverse("structures:bank_account_default", args=[pk, second.pk]))
    second.refresh_from_db()
    assert second.is_default
    client.post(reverse("structures:bank_account_deactivate", args=[pk, first.pk]))
    first.refresh_from_db()
    assert not first.is_active


def test_simple_member_gets_403_and_outsider_404(client, owner):
    member = MembershipFactory(structure=owner.structure)
    url = reverse("structures:bank_accounts", args=[owner.structure.pk])
    client.force_login(member.user)
    assert client.get(url).status_code == 403
    outsider = MembershipFactory()
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404


def test_another_structures_account_id_in_the_url_is_404(client, owner):
    other = MembershipFactory(principal=True)
    account = bank_services.bank_account_create(
        structure=other.structure, by=other.user, label="Autre", iban=IBAN
    )
    client.force_login(owner.user)
    url = reverse("structures:bank_account_default", args=[owner.structure.pk, account.pk])
    assert client.post(url).status_code == 404


def test_detail_page_links_to_bank_details_for_the_principal(client, owner):
    client.force_login(owner.user)
    page = client.get(reverse("structures:detail", args=[owner.structure.pk])).content.decode()
    assert reverse("structures:bank_accounts", args=[owner.structure.pk]) in page


# admin ---------------------------------------------------------------------------------------
def test_admin_form_checks_and_compacts_iban_and_bic():
    form = BankAccountForm(
        data={
            "label": "A",
            "iban": "fr76 3000 6000 0112 3456 7890 189",
            "bic": "bnpafrpp",
            "is_active": True,
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["iban"] == IBAN
    bad = BankAccountForm(data={"label": "A", "iban": "FR76 0000", "bic": ""})
    assert not bad.is_valid()
    assert "iban" in bad.errors


def test_admin_changelist_opens(admin_client, owner):
    create(owner)
    response = admin_client.get(reverse("admin:structures_bankaccount_changelist"))
    assert response.status_code == 200


def test_demo_supplier_has_a_default_bank_account_loaded_once():
    from structures.demo import SUPPLIER_SIRET, demo_load

    demo_load()
    demo_load()
    accounts = BankAccount.objects.filter(structure__identifier=SUPPLIER_SIRET)
    assert accounts.count() == 1
    assert accounts.get().is_default


def test_admin_adds_a_bank_account_with_a_checked_iban(admin_client, owner):
    url = reverse("admin:structures_bankaccount_add")
    assert admin_client.get(url).status_code == 200
    data = {
        "structure": owner.structure.pk,
        "label": "Compte admin",
        "iban": "FR76 3000 6000 0112 3456 7890 188",  # wrong key
        "bic": "",
        "is_active": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert not BankAccount.objects.exists()
    data["iban"] = "FR76 3000 6000 0112 3456 7890 189"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert BankAccount.objects.get().iban == IBAN


def test_a_deposited_invoice_shows_the_bank_details_frozen_at_deposit(client, owner):
    from invoices.choices import InvoiceStatus
    from tests.invoices.factories import make_invoice

    account = create(owner, bic=BIC)
    invoice = make_invoice(
        status=InvoiceStatus.DEPOSEE,
        supplier=owner.structure,
        bank_account=account,
        supplier_snapshot={"name": owner.structure.name, "iban": IBAN, "bic": BIC},
    )
    client.force_login(owner.user)
    page = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert IBAN in page
    assert BIC in page
