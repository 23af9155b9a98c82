"""Issue 14 item 6: webhooks cannot be turned into server-side requests against the platform's
own network: link-local/metadata always refused in any spelling, loopback/private only where the
operator allows it (default: refused), no redirect followed, failure classes in the log."""
# ruff: noqa: F811  (pytest fixtures imported from test_events)

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from api.models_sandbox import WebhookDelivery
from api.tasks import webhooks_dispatch
from invoices.choices import InvoiceStatus
from tests.api.test_events import change, control_get, control_post, invoice  # noqa: F401

LINK_LOCAL_SPELLINGS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/latest/meta-data/",  # decimal
    "http://0251.0376.0251.0376/",  # octal
    "http://0xa9fea9fe/",  # hexadecimal
    "http://169.254.43518/",  # a.b.c with a 16-bit last part
    "http://[::ffff:169.254.169.254]/",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64
    "http://[2002:a9fe:a9fe::1]/",  # 6to4
    "http://[fe80::1]/",
    "http://0.0.0.0:6379/",  # unspecified: the host itself
    "http://168.63.129.16/",  # Azure wire server
    "http://100.100.100.200/",  # Alibaba Cloud metadata
]
LOOPBACK_SPELLINGS = [
    "http://127.0.0.1:6379/",
    "http://localhost:6379/",
    "http://2130706433:6379/",  # decimal
    "http://017700000001:6379/",  # octal
    "http://127.1:6379/",
    "http://[::1]:6379/",
    "http://[::ffff:127.0.0.1]:6379/",
    "http://10.0.0.5/",
    "http://192.168.1.1/",
    "http://[fd00::1]/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LINK_LOCAL_SPELLINGS)
def test_link_local_and_metadata_refused_in_any_spelling_even_if_private_allowed(
    api, settings, url
):
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    response = control_post(api, "webhooks", {"url": url})
    assert response.status_code == 400, url
    assert "toujours refusée" in response.json()["libelle"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS)
def test_loopback_and_private_refused_by_default(api, url):
    response = control_post(api, "webhooks", {"url": url})
    assert response.status_code == 400, url
    assert "non publique" in response.json()["libelle"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS)
def test_loopback_and_private_allowed_where_the_operator_allows_them(api, settings, url):
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    assert control_post(api, "webhooks", {"url": url}).status_code == 201, url


def test_address_classes(settings):
    from api.webhooks import address_refusal

    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    for always in ("169.254.169.254", "fe80::1%eth0", "::", "224.0.0.1", "240.0.0.1"):
        assert "toujours refusée" in address_refusal(always), always
    for private in ("127.0.0.1", "10.1.2.3", "::1", "fd00::1", "100.64.0.1"):
        assert address_refusal(private) == "", private
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = False
    for private in ("127.0.0.1", "10.1.2.3", "::1", "fd00::1", "100.64.0.1"):
        assert "non publique" in address_refusal(private), private
    for public in ("1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert address_refusal(public) == "", public


# --- deliveries ----------------------------------------------------------------------------------
class _Server:
    """A local HTTP server answering every request with `status` (and `location`, if any)."""

    def __init__(self, status: int, location: str = "") -> None:
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                server.requests.append(self.command)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _RawServer:
    """A TCP service that is not HTTP (Redis-like): it answers a banner, or nothing at all."""

    def __init__(self, reply: bytes | None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.reply = reply
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            if self.reply is None:
                self.held.append(conn)  # never answers
                continue
            conn.sendall(self.reply)
            conn.close()

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def _deliver(api, invoice, url: str) -> WebhookDelivery:
    created = control_post(api, "webhooks", {"url": url})
    assert created.status_code == 201, created.content
    change(invoice, InvoiceStatus.SUSPENDUE)
    webhooks_dispatch()
    delivery = WebhookDelivery.objects.get()
    log = control_get(api, f"webhooks/{created.json()['id']}").json()["livraisons"]
    assert [entry["erreur"] for entry in log[0]["journal"]] == [delivery.last_error]
    return delivery


@pytest.mark.django_db
def test_redirect_is_not_followed(api, invoice, settings):
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    target = _Server(204)
    redirector = _Server(302, location=target.url)
    try:
        delivery = _deliver(api, invoice, redirector.url)
    finally:
        redirector.close()
        target.close()
    assert redirector.requests == ["POST"]
    assert target.requests == []
    assert delivery.status == WebhookDelivery.Status.PENDING  # a failed attempt, retried later
    assert delivery.last_error == "redirection non suivie (HTTP 3xx)"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_closed_port_is_logged_as_a_class(api, invoice, settings):
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    delivery = _deliver(api, invoice, f"http://127.0.0.1:{_free_port()}/hook")
    assert delivery.last_status_code is None
    assert delivery.last_error == "connexion refusée"


@pytest.mark.django_db
def test_a_non_http_service_banner_never_reaches_the_log(api, invoice, settings):
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    service = _RawServer(
        b"-ERR unknown command 'POST', with args beginning with: redis_version\r\n"
    )
    try:
        delivery = _deliver(api, invoice, service.url)
    finally:
        service.close()
    assert delivery.last_error == "connexion interrompue sans réponse HTTP valide"
    assert "redis" not in str(delivery.log).lower()


@pytest.mark.django_db
def test_a_silent_service_is_logged_as_a_timeout(api, invoice, settings, monkeypatch):
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    monkeypatch.setattr("api.webhooks.TIMEOUT_SECONDS", 0.5)
    service = _RawServer(None)
    try:
        delivery = _deliver(api, invoice, service.url)
    finally:
        service.close()
    assert delivery.last_error == "délai dépassé"


@pytest.mark.django_db
def test_a_name_that_turns_link_local_after_subscribing_gets_no_connection(
    api, invoice, settings, monkeypatch
):
    """DNS rebinding to the metadata address: refused where the delivery connects."""
    settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE = True
    receiver = _Server(204)
    port = receiver.httpd.server_port
    real = socket.getaddrinfo
    answers = {"receveur.test": "127.0.0.1"}

    def resolve(host, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    created = control_post(api, "webhooks", {"url": f"http://receveur.test:{port}/hook"})
    assert created.status_code == 201
    answers["receveur.test"] = "169.254.169.254"
    change(invoice, InvoiceStatus.SUSPENDUE)
    try:
        webhooks_dispatch()
    finally:
        receiver.close()
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error == "adresse non publique refusée"
    assert receiver.requests == []
