"""Signed webhooks: each event visible to a subscription's structure is POSTed to its URL.

Durability: deliveries are created by the beat task `api.tasks.webhooks_dispatch`, which scans
the events after the subscription's cursor (`cursor_seq`) — nothing to add to invoice services,
and an event committed while the worker was down is delivered at the next run.

Signature: header `X-Chorus-Signature: t=<unix ts>,v1=<hex>` where
`<hex> = HMAC-SHA256(secret, "<ts>.<raw body>")`. A receiver recomputes it over the raw body,
compares in constant time and refuses a timestamp older than a few minutes (replay protection).
Also sent: `X-Chorus-Event-Id` (the event cursor, for deduplication) and `X-Chorus-Delivery`.

Addresses (server-side request forgery): a webhook is a request the server makes for a user.
- Link-local (169.254.0.0/16, fe80::/10, so the cloud metadata service 169.254.169.254), cloud
  metadata addresses outside it, unspecified, multicast and reserved ranges: always refused.
- Loopback and private ranges (127.0.0.0/8, 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7…):
  refused unless the operator sets `CHORUS_WEBHOOKS_ALLOW_PRIVATE=true` (a single-user emulator
  whose integrator receives on localhost). Default: refused.
The address is classified after resolution, so every spelling of it is caught (decimal
`2852039166`, octal `0251.0376.0251.0376`, hexadecimal, IPv4-mapped IPv6 `::ffff:a.b.c.d`, NAT64,
6to4), at subscription and again where each delivery connects (no connection is even attempted to a
refused address): a host that later resolves inward (DNS rebinding) gets nothing. Redirects are
never followed (a 3xx is a failed attempt) and no proxy from the environment is used.
The delivery log records a failure class (« connexion refusée », « délai dépassé »,
« réponse HTTP 5xx »…), never the raw socket or TLS error text.

Retries: a non-2xx answer or a network error schedules the next attempt after
30 s × 2^(attempts − 1) (capped at one hour); after `MAX_ATTEMPTS` the delivery is « échec ».
A delivery can be replayed by hand: a new delivery of the same event, due at once.
"""

import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from api.events import event_as_json, events_sequence, events_visible
from api.models_sandbox import ApiEvent, WebhookDelivery, WebhookSubscription
from chorus.exceptions import ChorusError
from structures.models import Structure

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
TIMEOUT_SECONDS = 5
CLAIM_SECONDS = 60


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


# Subscriptions -----------------------------------------------------------------------------------
def webhook_subscription_create(
    *, client_id: str, structure: Structure, url: str, secret: str = ""
) -> WebhookSubscription:
    """Subscribe to the events from now on (earlier ones are in the pull feed)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or len(url) > 500:
        raise ChorusError(
            "URL : une adresse http(s) complète, 500 caractères au plus.", field="url"
        )
    try:
        port = parts.port or 0
    except ValueError:
        raise ChorusError("URL : le port n'est pas un nombre valide.", field="url") from None
    refusal = _host_refusal(parts.hostname, port)
    if refusal:
        raise ChorusError(f"URL : l'hôte {parts.hostname} {refusal}.", field="url")
    secret = (secret or "").strip() or secrets.token_urlsafe(32)
    if len(secret) < 16:
        raise ChorusError("Secret : 16 caractères au minimum.", field="secret")
    events_sequence()
    top = ApiEvent.objects.aggregate(top=Max("seq"))["top"] or 0
    return WebhookSubscription.objects.create(
        client_id=client_id, structure=structure, url=url, secret=secret, cursor_seq=top
    )


def webhook_subscription_set_active(
    *, subscription: WebhookSubscription, active: bool
) -> WebhookSubscription:
    subscription.is_active = active
    subscription.save(update_fields=["is_active"])
    return subscription


def subscription_as_json(subscription: WebhookSubscription, *, with_secret: bool = False) -> dict:
    data = {
        "id": subscription.pk,
        "url": subscription.url,
        "actif": subscription.is_active,
        "curseur": subscription.cursor_seq,
    }
    if with_secret:
        data["secret"] = subscription.secret
    return data


def delivery_as_json(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.pk,
        "evenement": delivery.event.seq,
        "statut": delivery.status,
        "tentatives": delivery.attempts,
        "prochaineTentative": delivery.next_attempt_at.isoformat()
        if delivery.next_attempt_at
        else None,
        "dernierCodeHttp": delivery.last_status_code,
        "derniereErreur": delivery.last_error,
        "livreeLe": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
        "rejeuDe": delivery.replay_of_id,
        "journal": delivery.log,
    }


# Scheduling and sending --------------------------------------------------------------------------
def webhook_deliveries_schedule() -> int:
    """Create a delivery for each event after each active subscription's cursor."""
    events_sequence()
    created = 0
    for sub_id in WebhookSubscription.objects.filter(is_active=True).values_list("id", flat=True):
        with transaction.atomic():
            sub = WebhookSubscription.objects.select_for_update().get(pk=sub_id)
            events = list(
                events_visible(structure=sub.structure)
                .filter(seq__gt=sub.cursor_seq)
                .order_by("seq")[:500]
            )
            if not events:
                continue
            now = timezone.now()
            WebhookDelivery.objects.bulk_create(
                [WebhookDelivery(subscription=sub, event=e, next_attempt_at=now) for e in events],
                ignore_conflicts=True,
            )
            sub.cursor_seq = events[-1].seq
            sub.save(update_fields=["cursor_seq"])
            created += len(events)
    return created


# Cloud metadata services outside the link-local range (Azure wire server, Alibaba Cloud).
_METADATA = {ipaddress.ip_address("168.63.129.16"), ipaddress.ip_address("100.100.100.200")}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_REFUSED_ALWAYS = (
    "désigne une adresse non publique réservée (lien local, métadonnées de cloud…), "
    "toujours refusée"
)
_REFUSED_PRIVATE = (
    "désigne une adresse non publique (boucle locale ou réseau privé), refusée sur cette plateforme"
)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def address_refusal(text: str) -> str:
    """Why a webhook may not connect to this IP address ("" if it may)."""
    address = ipaddress.ip_address(text.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_refusal(str(embedded))
    if address.is_loopback:  # before is_reserved, which includes ::1 (::/8)
        return "" if settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE else _REFUSED_PRIVATE
    if (
        address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or address in _METADATA
    ):
        return _REFUSED_ALWAYS
    if address.is_global:
        return ""
    return "" if settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE else _REFUSED_PRIVATE


def _host_refusal(hostname: str, port: int) -> str:
    """Why a webhook may not target `hostname` ("" if every address it resolves to is allowed).

    A name that does not resolve is refused unless private targets are allowed (it is then
    retried at delivery, like any unreachable receiver)."""
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        if settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE:
            return ""
        return "ne se résout en aucune adresse publique, refusée sur cette plateforme"
    refusals = {address_refusal(info[4][0]) for info in infos} - {""}
    if _REFUSED_ALWAYS in refusals:
        return _REFUSED_ALWAYS
    return refusals.pop() if refusals else ""


class AddressRefused(OSError):
    pass


def _connect_allowed(address, timeout=None, source_address=None, *args, **kwargs) -> socket.socket:
    """socket.create_connection that never connects to a refused address (checked after DNS)."""
    host, port = address[0], address[1]
    error: OSError | None = None
    for family, socktype, proto, _name, sockaddr in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        if address_refusal(sockaddr[0]):
            error = error or AddressRefused("adresse refusée")
            continue
        sock = socket.socket(family, socktype, proto)
        try:
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError("aucune adresse")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_allowed


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_allowed  # before TLS: nothing is sent to a refused peer


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx answer ends the attempt (HTTPError): a redirect could point anywhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener() -> urllib.request.OpenerDirector:
    # No proxy from the environment: the address checked must be the receiver's own.
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirect, _CheckedHTTPHandler, _CheckedHTTPSHandler
    )


def _http_class(status: int) -> str:
    if 300 <= status < 400:
        return f"redirection non suivie (HTTP {status // 100}xx)"
    return f"réponse HTTP {status // 100}xx"


def failure_class(exc: BaseException) -> str:
    """A French failure class for the delivery log; never the raw error text (which would tell an
    open port from a closed one, or a service's banner)."""
    reason = getattr(exc, "reason", None)
    if isinstance(exc, urllib.error.URLError) and isinstance(reason, BaseException):
        exc = reason
    if isinstance(exc, AddressRefused):
        return "adresse non publique refusée"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "délai dépassé"
    if isinstance(exc, ConnectionRefusedError):
        return "connexion refusée"
    if isinstance(exc, socket.gaierror):
        return "nom d'hôte introuvable"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return "échec de la négociation TLS"
    if isinstance(exc, http.client.HTTPException | ConnectionError):
        return "connexion interrompue sans réponse HTTP valide"
    if isinstance(exc, ValueError):
        return "adresse invalide"
    return "erreur réseau"


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener().open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
            return status, "" if 200 <= status < 300 else _http_class(status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, _http_class(exc.code)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        return None, failure_class(exc)


def webhook_delivery_send(*, delivery_id: int) -> WebhookDelivery | None:
    """One attempt, claimed first so that two workers never send the same attempt."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lte=now,
    ).update(next_attempt_at=now + datetime.timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("subscription", "event").get(pk=delivery_id)
    body = json.dumps(event_as_json(delivery.event), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "chorus-webhooks/1",
        "X-Chorus-Signature": sign(
            secret=delivery.subscription.secret, timestamp=timestamp, body=body
        ),
        "X-Chorus-Event-Id": str(delivery.event.seq),
        "X-Chorus-Delivery": str(delivery.pk),
    }
    started = time.monotonic()
    status_code, error = _post(delivery.subscription.url, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error
    delivery.log = [
        *delivery.log,
        {
            "date": timezone.now().isoformat(),
            "codeHttp": status_code,
            "erreur": error,
            "dureeMs": duration_ms,
        },
    ]
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
    delivery.save()
    return delivery


def webhook_deliveries_send_due(*, limit: int = 100) -> int:
    due = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "id")
    sent = 0
    for delivery_id in list(due.values_list("id", flat=True)[:limit]):
        if webhook_delivery_send(delivery_id=delivery_id) is not None:
            sent += 1
    return sent


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the same event again, as a new delivery due at once."""
    return WebhookDelivery.objects.create(
        subscription=delivery.subscription,
        event=delivery.event,
        replay_of=delivery,
        next_attempt_at=timezone.now(),
    )
