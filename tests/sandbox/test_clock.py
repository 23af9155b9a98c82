"""The sandbox clock: advance, freeze, reset, per sandbox; deadlines and password expiry."""

import datetime

import pytest
from django.utils import timezone

from api.models import TechnicalAccount
from api.services import technical_account_create
from chorus import clock
from chorus.exceptions import ChorusError
from sandbox import services
from sandbox.models import Sandbox
from tests.factories import MembershipFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db


def _close(a: datetime.datetime, b: datetime.datetime, seconds: int = 5) -> bool:
    return abs((a - b).total_seconds()) < seconds


def test_clock_is_real_time_without_any_sandbox_row():
    assert not Sandbox.objects.exists()
    assert _close(clock.now(), timezone.now())
    assert clock.today() == timezone.localdate()


def test_advancing_moves_now_and_today_forward():
    services.clock_advance(days=40, hours=3)
    expected = timezone.now() + datetime.timedelta(days=40, hours=3)
    assert _close(clock.now(), expected)
    assert clock.today() == timezone.localdate(expected)


def test_freeze_stops_the_clock_and_advancing_a_frozen_clock_moves_the_instant():
    sandbox = services.clock_freeze(frozen=True)
    frozen_at = sandbox.frozen_at
    assert clock.now() == frozen_at
    services.clock_advance(days=1)
    assert clock.now() == frozen_at + datetime.timedelta(days=1)


def test_unfreezing_resumes_from_the_frozen_instant():
    services.clock_advance(days=10)
    services.clock_freeze(frozen=True)
    services.clock_freeze(frozen=False)
    assert _close(clock.now(), timezone.now() + datetime.timedelta(days=10))


def test_reset_returns_to_real_time():
    services.clock_advance(days=10)
    services.clock_freeze(frozen=True)
    services.clock_reset()
    assert _close(clock.now(), timezone.now())


@pytest.mark.parametrize(("days", "hours"), [(0, 0), (-1, 0), ("abc", 0), (5000, 0)])
def test_advance_refuses_bad_amounts_with_a_french_message(days, hours):
    with pytest.raises(ChorusError) as exc:
        services.clock_advance(days=days, hours=hours)
    assert exc.value.field == "days"
    assert "jours" in exc.value.message.lower() or "horloge" in exc.value.message.lower()


def test_clock_controls_refused_outside_sandbox_mode(settings):
    settings.CHORUS_SANDBOX = False
    with pytest.raises(ChorusError):
        services.clock_advance(days=1)
    assert _close(clock.now(), timezone.now())


def test_isolated_sandbox_has_its_own_clock():
    created = services.sandbox_create(name="CI")
    supplier_id = created["fournisseur"]["idStructure"]
    isolated = Sandbox.objects.get(slug=created["bacASable"]["identifiant"])
    services.clock_advance(sandbox=isolated, days=100)
    assert _close(
        clock.now(structure_id=supplier_id), timezone.now() + datetime.timedelta(days=100)
    )
    assert _close(clock.now(), timezone.now())  # default sandbox untouched
    other = StructureFactory()
    assert _close(clock.now(structure_id=other.pk), timezone.now())


def test_technical_account_password_expiry_follows_its_isolated_sandbox_clock(settings):
    settings.CHORUS_TECHNICAL_PASSWORD_DAYS = 180
    created = services.sandbox_create(name="CI")
    isolated = Sandbox.objects.get(slug=created["bacASable"]["identifiant"])
    account = TechnicalAccount.objects.get(login=created["fournisseur"]["compteTechnique"]["login"])
    assert not account.password_expired()
    services.clock_advance(sandbox=isolated, days=181)
    assert account.password_expired()
    services.clock_reset(sandbox=isolated)
    assert not account.password_expired()


def test_the_shared_clock_never_expires_a_technical_password(settings):
    settings.CHORUS_TECHNICAL_PASSWORD_DAYS = 180
    account = technical_account_create(
        structure=StructureFactory(), login="tech", password="secret"
    )
    services.clock_advance(days=181)
    assert not account.password_expired()
    assert _close(account.password_expires_at, timezone.now() + datetime.timedelta(days=180))


def test_received_invoice_is_late_after_advancing_forty_days(client, received, recipient):
    user = UserFactory()
    MembershipFactory(user=user, structure=recipient)
    invoice = received()
    client.force_login(user)
    url = f"/factures-recues/{invoice.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["deadline"].is_late is False

    def numbers():
        return {
            i.number
            for i in client.get("/factures-recues/", {"deadline": "late"}).context["invoices"]
        }

    assert invoice.number not in numbers()
    services.clock_advance(days=40)
    page = client.get(url)
    assert page.context["deadline"].is_late is True
    assert invoice.number in numbers()


def test_sandbox_for_structure_picks_the_isolated_then_the_default_sandbox():
    from sandbox.selectors import DEFAULT_SLUG, sandbox_for_structure

    unsaved = sandbox_for_structure(structure_id=None)  # no sandbox row at all: real time
    assert (unsaved.pk, unsaved.slug, unsaved.offset_seconds, unsaved.frozen_at) == (
        None,
        DEFAULT_SLUG,
        0,
        None,
    )
    created = services.sandbox_create(name="CI")
    supplier_id = created["fournisseur"]["idStructure"]
    isolated = Sandbox.objects.get(slug=created["bacASable"]["identifiant"])
    other = StructureFactory()
    services.clock_advance(days=3)
    services.clock_advance(sandbox=isolated, days=100)
    default = Sandbox.objects.get(is_default=True)
    isolated.refresh_from_db()
    expected = {None: default, supplier_id: isolated, other.pk: default}
    for structure_id, sandbox in expected.items():
        found = sandbox_for_structure(structure_id=structure_id)
        assert found == sandbox
        assert found.offset_seconds == sandbox.offset_seconds
    services.clock_freeze(sandbox=isolated)
    frozen = sandbox_for_structure(structure_id=supplier_id).frozen_at
    assert frozen == Sandbox.objects.get(pk=isolated.pk).frozen_at
    assert frozen.tzinfo is not None
    assert clock.now(structure_id=supplier_id) == frozen


def test_supplier_acknowledgements_are_stamped_on_the_invoice_clock(received, supplier):
    """ACQUITTEMENT_REJET / TRAITEMENT_REJET: the instants stored on the invoice follow the same
    clock as its history, not the real time."""
    from invoices.choices import InvoiceStatus
    from invoices.services import invoice_acknowledge_rejection, invoice_process_rejection

    user = UserFactory()
    MembershipFactory(user=user, structure=supplier)
    invoice = received(status=InvoiceStatus.REJETEE)
    services.clock_advance(days=30)
    simulated = timezone.now() + datetime.timedelta(days=30)
    invoice = invoice_acknowledge_rejection(invoice_id=invoice.pk, by=user)
    assert _close(invoice.rejection_acknowledged_at, simulated)
    invoice = invoice_process_rejection(invoice_id=invoice.pk, by=user)
    assert _close(invoice.rejection_processed_at, simulated)
    event = invoice.events.order_by("-pk").first()
    assert _close(event.created_at, simulated)
