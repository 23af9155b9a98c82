"""traiter/recue dates the service done, the payment and its answer by the sandbox clock, as the
portal and the robots do (issue 18: « Service fait » dated before a robot's later approval)."""

import datetime

import pytest

from chorus import clock
from sandbox import services as sandbox_services
from tests.api.test_factures import (  # noqa: F401 (fixtures)
    recipient_account,
    recipient_api,
    recipient_structure,
    submit,
    supplier_ready,
)

pytestmark = pytest.mark.django_db
PATH = "factures/v1/traiter/recue"


def test_service_done_and_payment_follow_the_simulated_clock(submit, recipient_api):  # noqa: F811
    invoice = submit()
    sandbox_services.clock_advance(days=9)
    today = clock.today(structure_id=invoice.recipient_id)
    done = recipient_api.post(PATH, {"idFacture": invoice.pk, "nouveauStatut": "SERVICE_FAIT"})
    assert done.json()["dateTraitement"] == today.isoformat()
    invoice.refresh_from_db()
    assert invoice.service_done_on == today
    paid = recipient_api.post(PATH, {"idFacture": invoice.pk, "nouveauStatut": "MISE_EN_PAIEMENT"})
    assert paid.json()["nouveauStatut"] == "MISE_EN_PAIEMENT"
    invoice.refresh_from_db()
    assert invoice.payment_date == today
    last = invoice.events.order_by("-created_at", "-id").first()
    assert abs(last.created_at - clock.now()) < datetime.timedelta(minutes=5)
