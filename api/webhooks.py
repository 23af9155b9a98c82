"""Signed webhooks: each event visible to a subscription's structure is POSTed to its URL.

Durability: deliveries are created by the beat task `api.tasks.webhooks_dispatch`, which scans
the events after the subscription's cursor (`cursor_seq`) — nothing to add to invoice services,
and an event committed while the worker was down is delivered at the next run.

Signature: header `X-Chorus-Signature: t=<unix ts>,v1=<hex>` where
`<hex> = HMAC-SHA256(secret, "<ts>.<raw body>")`. A receiver recomputes it over the raw body,
compares in constant time and refuses a timestamp older than a few minutes (replay protection).
Also sent: `X-Chorus-Event-Id` (the event cursor, for deduplication) and `X-Chorus-Delivery`.

Addresses: on a local emulator, integrators receive on localhost, so every address is allowed by
default. A shared or public deployment sets `CHORUS_WEBHOOKS_ALLOW_PRIVATE=false`: a subscription
whose host resolves to a loopback, private, link-local or otherwise non-public address is refused,
and each delivery checks the address it actually connected to (after DNS, after redirects), so
a host that later resolves inward (DNS rebinding) gets nothing (server-side request forgery).

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
    if not settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE:
        refused = _non_public_addresses(parts.hostname, parts.port or 0)
        if refused:
            raise ChorusError(
                f"URL : l'hôte {parts.hostname} désigne une adresse non publique "
                f"({', '.join(refused)}), refusée sur cette plateforme.",
                field="url",
            )
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


def _non_public_addresses(hostname: str, port: int) -> list[str]:
    """The addresses of `hostname` that are not public (all of them if it does not resolve)."""
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return [hostname]
    addresses = {info[4][0] for info in infos}
    return sorted(a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_global)


class _PublicPeerOnly:
    """Refuse, once connected and before sending anything, a peer that is not a public address."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        peer = self.sock.getpeername()[0]  # type: ignore[attr-defined]
        if not ipaddress.ip_address(peer.split("%")[0]).is_global:
            self.sock.close()  # type: ignore[attr-defined]
            raise OSError(f"adresse non publique refusée : {peer}")


class _PublicHTTPConnection(_PublicPeerOnly, http.client.HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicPeerOnly, http.client.HTTPSConnection):
    pass


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


def _opener() -> urllib.request.OpenerDirector:
    if settings.CHORUS_WEBHOOKS_ALLOW_PRIVATE:
        return urllib.request.build_opener()
    # No proxy from the environment: the address checked must be the receiver's own.
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _PublicHTTPHandler, _PublicHTTPSHandler
    )


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener().open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


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
