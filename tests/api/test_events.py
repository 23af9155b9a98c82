"""Event feed (cursor + acknowledgement) and signed webhooks delivered to a local server."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from api.events import events_feed
from api.models.sandbox import ApiEvent, WebhookDelivery
from api.tasks import webhooks_dispatch
from invoices.choices import InvoiceStatus
from invoices.flux.services import flux_deposit
from invoices.models import Flux
from invoices.services.common import invoice_event_create
from tests.factories import StructureFactory
from tests.invoices.factories import make_invoice

CONTROL = "/integrateur/api/v1/"


def control_post(api, path: str, body: dict):
    return api.client.post(
        CONTROL + path, data=json.dumps(body), content_type="application/json", headers=api.headers
    )


def control_get(api, path: str):
    return api.client.get(CONTROL + path, headers=api.headers)


def change(invoice, to_status, from_status=InvoiceStatus.DEPOSEE):
    return invoice_event_create(
        invoice=invoice, action="test", from_status=from_status, to_status=to_status
    )


@pytest.fixture
def invoice(supplier_structure):
    recipient = StructureFactory(public=True)
    return make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION, supplier=supplier_structure, recipient=recipient
    )


def test_status_changes_become_events_but_not_other_timeline_entries(invoice):
    change(invoice, InvoiceStatus.SUSPENDUE)
    invoice_event_create(invoice=invoice, action="comment", from_status="", to_status="")
    invoice_event_create(
        invoice=invoice,
        action="same",
        from_status=InvoiceStatus.SUSPENDUE,
        to_status=InvoiceStatus.SUSPENDUE,
    )
    event = ApiEvent.objects.get()
    assert event.payload["statut"] == "SUSPENDUE"
    assert event.payload["codeCdar"] == 208


def test_flux_state_changes_become_events(supplier_account, django_capture_on_commit_callbacks):
    """The flux services call `invoices.hooks` explicitly: creation, start and end are recorded."""
    with django_capture_on_commit_callbacks(execute=True):  # the outbox processes the flow
        flux = flux_deposit(
            structure=supplier_account.structure,
            by=supplier_account.user,
            file=SimpleUploadedFile("f.xml", b"<pas une facture/>"),
        )
    assert Flux.objects.get(pk=flux.pk).state == "IN_REJETE"
    states = list(ApiEvent.objects.order_by("id").values_list("from_state", "to_state"))
    assert states == [
        ("", "IN_RECU"),
        ("IN_RECU", "IN_EN_TRAITEMENT"),
        ("IN_EN_TRAITEMENT", "IN_REJETE"),
    ]


def test_saving_a_model_alone_records_no_event(supplier_structure):
    """No signal receiver: only the services' explicit hook calls write feed events."""
    flux = Flux.objects.create(
        supplier=supplier_structure, filename="f.xml", size=1, sha256="0" * 64
    )
    flux.start_processing()
    flux.save()
    assert not ApiEvent.objects.exists()


def test_feed_pages_in_order_and_never_repeats_an_acknowledged_event(api, invoice):
    for status in (InvoiceStatus.SUSPENDUE, InvoiceStatus.COMPLETEE, InvoiceStatus.SERVICE_FAIT):
        change(invoice, status)

    page = control_get(api, "events?limit=2").json()
    assert [e["statut"] for e in page["evenements"]] == ["SUSPENDUE", "COMPLETEE"]
    ack = control_post(api, "events/ack", {"cursor": page["curseur"]})
    assert ack.json()["acquitte"] == page["curseur"]

    # Even asking from the start, acknowledged events never come back.
    again = control_get(api, "events?after=0").json()
    assert [e["statut"] for e in again["evenements"]] == ["SERVICE_FAIT"]

    change(invoice, InvoiceStatus.MISE_EN_PAIEMENT)
    later = control_get(api, f"events?after={again['curseur']}").json()
    assert [e["statut"] for e in later["evenements"]] == ["MISE_EN_PAIEMENT"]


def test_an_event_committed_late_is_not_skipped(api, invoice):
    """A row with a lower id that becomes visible after a later one was read and acknowledged
    (its transaction committed last) is still delivered: the cursor is not the row id."""
    change(invoice, InvoiceStatus.SUSPENDUE)
    early = ApiEvent.objects.get()
    fields = {"kind": early.kind, "invoice": invoice, "supplier": invoice.supplier}
    early_id = early.pk
    early.delete()  # "not committed yet": invisible to readers
    change(invoice, InvoiceStatus.COMPLETEE, from_status=InvoiceStatus.SUSPENDUE)
    page = control_get(api, "events").json()
    assert [e["statut"] for e in page["evenements"]] == ["COMPLETEE"]
    control_post(api, "events/ack", {"cursor": page["curseur"]})

    ApiEvent.objects.create(  # the earlier transaction finally commits, with its lower id
        id=early_id, to_state="SUSPENDUE", payload={"statut": "SUSPENDUE"}, **fields
    )
    feed = control_get(api, "events").json()
    assert [e["statut"] for e in feed["evenements"]] == ["SUSPENDUE"]


def test_ack_beyond_the_last_cursor_is_refused(api, invoice):
    change(invoice, InvoiceStatus.SUSPENDUE)
    response = control_post(api, "events/ack", {"cursor": 999})
    assert response.status_code == 400
    assert "Curseur" in response.json()["libelle"]


def test_another_structure_sees_none_of_these_events(sandbox_app, invoice):
    change(invoice, InvoiceStatus.SUSPENDUE)
    events, _, _ = events_feed(client_id="chorus-sandbox", structure=StructureFactory())
    assert events == []


def test_the_recipient_sees_statuses_it_can_see(invoice):
    change(invoice, InvoiceStatus.SUSPENDUE)
    events, _, _ = events_feed(client_id="chorus-sandbox", structure=invoice.recipient)
    assert [e.to_state for e in events] == ["SUSPENDUE"]


# Webhooks ---------------------------------------------------------------------------------------
class Receiver:
    """An HTTP server on 127.0.0.1 that fails the first `failures` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = 500 if receiver.failures > 0 else 204
                receiver.failures -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    # A receiver on localhost: the operator of a local emulator allows private targets.
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    server = Receiver(failures=1)
    yield server
    server.close()


def _due_now():
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())


def test_webhook_is_signed_retried_after_a_failure_and_replayed(api, invoice, receiver):
    secret = "secret-de-test-assez-long"
    created = control_post(api, "webhooks", {"url": receiver.url, "secret": secret})
    assert created.status_code == 201
    change(invoice, InvoiceStatus.SUSPENDUE)

    webhooks_dispatch()  # first attempt: the receiver answers 500
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at > timezone.now()  # backoff

    webhooks_dispatch()  # not due yet: nothing sent
    assert len(receiver.received) == 1
    _due_now()
    webhooks_dispatch()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 2
    assert [a["codeHttp"] for a in delivery.log] == [500, 204]

    headers, body = receiver.received[-1]
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["X-Chorus-Signature"].split(",")
    )
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())
    assert json.loads(body)["statut"] == "SUSPENDUE"
    assert headers["X-Chorus-Event-Id"] == str(json.loads(body)["id"])

    replay = control_post(api, f"deliveries/{delivery.pk}/replay", {})
    assert replay.status_code == 201
    webhooks_dispatch()
    assert len(receiver.received) == 3
    assert receiver.received[-1][1] == body  # same event, same payload
    log = control_get(api, f"webhooks/{created.json()['id']}").json()["livraisons"]
    assert {d["statut"] for d in log} == {"livree"}


def test_a_webhook_gives_up_after_the_maximum_attempts(api, invoice, monkeypatch, settings):
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    monkeypatch.setattr("api.webhooks.MAX_ATTEMPTS", 2)
    server = Receiver(failures=10)
    try:
        control_post(api, "webhooks", {"url": server.url})
        change(invoice, InvoiceStatus.SUSPENDUE)
        webhooks_dispatch()
        _due_now()
        webhooks_dispatch()
    finally:
        server.close()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.next_attempt_at is None


def test_webhook_url_must_be_http(api):
    response = control_post(api, "webhooks", {"url": "file:///etc/passwd"})
    assert response.status_code == 400
    assert "URL" in response.json()["libelle"]


def test_private_addresses_are_allowed_when_the_operator_allows_them(api, receiver):
    assert control_post(api, "webhooks", {"url": receiver.url}).status_code == 201


def test_a_public_deployment_refuses_a_webhook_to_a_private_address(api, settings):
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = False
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
    ):
        response = control_post(api, "webhooks", {"url": url})
        assert response.status_code == 400, url
        assert "non publique" in response.json()["libelle"]


def test_a_host_that_turns_private_after_subscribing_gets_nothing(api, invoice, receiver, settings):
    """DNS rebinding: the address is checked where the delivery connects, not only at creation."""
    assert control_post(api, "webhooks", {"url": receiver.url}).status_code == 201
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = False
    change(invoice, InvoiceStatus.SUSPENDUE)

    webhooks_dispatch()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_status_code is None
    assert "non publique" in delivery.last_error
    assert receiver.received == []


def test_address_classification(settings):
    from api.webhooks import _host_refusal

    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = False
    assert _host_refusal("1.1.1.1", 443) == ""
    assert "non publique" in _host_refusal("192.168.0.10", 80)
    assert "aucune adresse publique" in _host_refusal("nom-inexistant.invalid", 80)
