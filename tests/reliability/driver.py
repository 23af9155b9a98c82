"""Django side of the fault tests, run as a subprocess with `chorus.settings.faults`.

`python -m tests.reliability.driver <command> [options]` prints one JSON object on its last line.
The pytest process never opens the fault database itself: it starts Redis, the workers and this
driver, injects the faults and asserts on what the driver reports.
"""

import argparse
import base64
import datetime
import json
import os
import random
import sys
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings.faults")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.signals import got_request_exception  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_fsm import ConcurrentTransition  # noqa: E402

from chorus.exceptions import ChorusError  # noqa: E402
from invoices import services  # noqa: E402
from invoices.choices import InvoiceStatus, OutboxKind, RejectionReason  # noqa: E402
from invoices.models import Invoice, InvoiceEvent, Outbox  # noqa: E402

S = InvoiceStatus
FINAL_AFTER_ROUTING = {S.MISE_A_DISPOSITION, S.A_RECYCLER, S.ERREUR_TECHNIQUE}
CLIENT_ID, CLIENT_SECRET = "chorus-faults", "chorus-faults-secret"
TECH_LOGIN, TECH_PASSWORD = "tech-faults", "faults-sandbox"
CONTEXT_FILE = "faults-context.json"


def emit(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def context() -> dict:
    with open(os.path.join(os.environ["FAULTS_STATE_DIR"], CONTEXT_FILE)) as handle:
        return json.load(handle)


# setup ------------------------------------------------------------------------------------------
def cmd_setup(args) -> dict:
    from accounts.choices import LegalDocument
    from accounts.models import TermsAcceptance
    from api.services import api_application_ensure, technical_account_create
    from tests.factories import MembershipFactory, ServiceFactory, StructureFactory, UserFactory

    supplier = StructureFactory(name="Fournisseur des pannes")
    account = technical_account_create(structure=supplier, login=TECH_LOGIN, password=TECH_PASSWORD)
    for document, version in (
        (LegalDocument.CGU, settings.CHORUS_CGU_VERSION),
        (LegalDocument.MANDAT_FACTURATION, settings.CHORUS_MANDATE_VERSION),
    ):
        TermsAcceptance.objects.get_or_create(user=account.user, document=document, version=version)
    recipient = StructureFactory(public=True, name="Mairie des pannes")
    ServiceFactory(structure=recipient, code="FAULTS", label="Service des pannes")
    staff = [UserFactory() for _ in range(4)]
    for user in staff:
        MembershipFactory(user=user, structure=recipient)
    api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Pannes")
    data = {
        "supplier_id": supplier.pk,
        "supplier_user_id": account.user_id,
        "recipient_siret": recipient.siret,
        "staff_ids": [user.pk for user in staff],
    }
    with open(os.path.join(os.environ["FAULTS_STATE_DIR"], CONTEXT_FILE), "w") as handle:
        json.dump(data, handle)
    return data


# deposits ---------------------------------------------------------------------------------------
def payload(number: str, recipient_siret: str) -> dict:
    return {
        "modeDepot": "SAISIE_API",
        "numeroFactureSaisi": number,
        "destinataire": {"codeDestinataire": recipient_siret, "codeServiceExecutant": "FAULTS"},
        "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
        "references": {
            "deviseFacture": "EUR",
            "typeFacture": "FACTURE",
            "modePaiement": "VIREMENT",
        },
        "lignePoste": [
            {
                "lignePosteNumero": 1,
                "lignePosteDenomination": "Prestation",
                "lignePosteQuantite": 2,
                "lignePosteMontantUnitaireHT": 50.0,
                "lignePosteTauxTva": "TVA20",
            }
        ],
        "montantTotal": {"montantHtTotal": 100.0, "montantTVA": 20.0, "montantTtcTotal": 120.0},
    }


_request_error = threading.local()


def _remember_request_exception(sender, request=None, **kwargs) -> None:
    """Keep the exception behind a 500, so a failure names its cause in the counts."""
    error = sys.exc_info()[1]
    _request_error.value = f"{type(error).__name__}: {error}"[:200] if error else ""
    # Where it was raised: the innermost frames, so a rare 500 can be traced from the report.
    frames = traceback.extract_tb(error.__traceback__)[-14:] if error else []
    _request_error.where = " < ".join(
        f"{os.path.basename(frame.filename)}:{frame.lineno} {frame.name}"
        for frame in reversed(frames)
    )


got_request_exception.connect(_remember_request_exception)


class ApiClient:
    """One PISTE client: an OAuth token, then `cpro-account` on every call (in-process WSGI)."""

    def __init__(self) -> None:
        self.client = Client(raise_request_exception=False)
        answer = self.client.post(
            "/api/oauth/token",
            {"grant_type": "client_credentials", "client_id": CLIENT_ID, "scope": "openid"}
            | {"client_secret": CLIENT_SECRET},
        )
        assert answer.status_code == 200, answer.content
        account = base64.b64encode(f"{TECH_LOGIN}:{TECH_PASSWORD}".encode()).decode()
        self.headers = {
            "Authorization": f"Bearer {answer.json()['access_token']}",
            "cpro-account": account,
        }

    def deposit(self, number: str, recipient_siret: str) -> tuple[int, dict]:
        _request_error.value = _request_error.where = ""
        response = self.client.post(
            "/cpro/factures/v1/soumettre",
            data=json.dumps(payload(number, recipient_siret)),
            content_type="application/json;charset=utf-8",
            headers=self.headers,
        )
        try:
            body = response.json()
        except ValueError:
            body = {"raw": response.content[:200].decode(errors="replace")}
        if response.status_code >= 500 and _request_error.value:
            body = {"exception": _request_error.value, "where": _request_error.where}
        return response.status_code, body


def deposit_service(number: str, ctx: dict) -> tuple[int, dict]:
    from accounts.models import User
    from structures.models import Structure

    user = User.objects.get(pk=ctx["supplier_user_id"])
    invoice = services.invoice_create_draft(
        supplier=Structure.objects.get(pk=ctx["supplier_id"]),
        by=user,
        lines=[
            services.LineData(
                designation="Prestation", quantity="2", unit_price="50", vat_rate="20"
            )
        ],
        number=number,
        type="FACTURE",
        cadre="A1_FACTURE_FOURNISSEUR",
        recipient_siret=ctx["recipient_siret"],
        service_code="FAULTS",
        issue_date=timezone.localdate(),
        payment_mode="VIREMENT",
    )
    invoice = services.invoice_submit(invoice_id=invoice.pk, by=user)
    return 200, {"identifiantFactureCPP": invoice.pk}


def cmd_deposit(args) -> dict:
    """Deposit `n` invoices numbered `<prefix>-<i>` from `threads` concurrent clients."""
    ctx = context()
    local = threading.local()
    outcomes: Counter = Counter()
    samples: dict[str, str] = {}
    latencies: list[float] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        number = f"{args.prefix}-{index:06d}"
        started = time.monotonic()
        try:
            if args.mode == "api":
                if not hasattr(local, "client"):
                    local.client = ApiClient()
                status, body = local.client.deposit(number, ctx["recipient_siret"])
            else:
                status, body = deposit_service(number, ctx)
        except Exception as exc:  # the harness reports it; the test decides
            status, body = 599, {"exception": f"{type(exc).__name__}: {exc}"}
        finally:
            connection.close()
        with lock:
            latencies.append(time.monotonic() - started)
            key = str(status)
            if status != 200:
                key = f"{status}:{body.get('codeRetour', body.get('exception', ''))}"[:120]
                samples.setdefault(key, json.dumps(body, default=str)[:1500])
            outcomes[key] += 1
        if args.pause:
            time.sleep(args.pause)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        list(pool.map(one, range(args.start, args.start + args.n)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "outcomes": dict(outcomes),
        "samples": samples,
        "seconds": round(elapsed, 2),
        "per_second": round(args.n / elapsed, 1) if elapsed else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1) if latencies else 0,
    }


# sweep and checks -------------------------------------------------------------------------------
def cmd_sweep(args) -> dict:
    """One run of the real sweep task (what beat does every interval)."""
    from invoices.tasks import outbox_sweep

    return {"resent": outbox_sweep()}


def cmd_settle(args) -> dict:
    """Close the outbox rows a previous test left pending, so each test starts from a quiet
    platform: R6/R7 route in process with no worker, and nobody consumes the documents queue
    (see faults.py). The rows of the test under way are never touched."""
    closed = Outbox.objects.filter(processed_at__isnull=True).update(
        processed_at=timezone.now(), last_error="laissé par un test de pannes précédent"
    )
    return {"closed": closed}


def cmd_pending(args) -> dict:
    pending = Outbox.objects.filter(
        kind=OutboxKind.ROUTE_INVOICE, processed_at__isnull=True
    ).order_by("created_at")
    oldest = pending.first()
    age = (timezone.now() - oldest.created_at).total_seconds() if oldest else 0.0
    return {"pending": pending.count(), "oldest_age": round(age, 2)}


def cmd_ids(args) -> dict:
    invoices = Invoice.objects.filter(number__startswith=f"{args.prefix}-").order_by("number")
    return {"ids": list(invoices.values_list("pk", flat=True)[: args.n])}


def duplicated_transitions(invoice_ids: list[int]) -> tuple[int, int, list]:
    """(identical consecutive status events, invoices routed twice, examples)."""
    duplicates, double_routed, examples = 0, 0, []
    events = (
        InvoiceEvent.objects.filter(invoice_id__in=invoice_ids)
        .exclude(to_status="")
        .exclude(from_status="")
        .order_by("invoice_id", "created_at", "id")
        .values_list("invoice_id", "action", "from_status", "to_status")
    )
    previous = None
    routed: Counter = Counter()
    for invoice_id, action, source, target in events:
        current = (invoice_id, action, source, target)
        if current == previous:
            duplicates += 1
            examples.append(current)
        previous = current
        if source == S.EN_COURS_ACHEMINEMENT:
            routed[invoice_id] += 1
    double_routed = sum(1 for count in routed.values() if count > 1)
    return duplicates, double_routed, examples[:5]


def cmd_check(args) -> dict:
    invoices = Invoice.objects.filter(number__startswith=f"{args.prefix}-").exclude(
        status=S.BROUILLON
    )
    ids = list(invoices.values_list("pk", flat=True))
    statuses = Counter(invoices.values_list("status", flat=True))
    lost = [
        pk
        for pk, status, error, detail in invoices.values_list(
            "pk", "status", "technical_error", "routing_error_detail"
        )
        if status not in FINAL_AFTER_ROUTING
        or (status == S.ERREUR_TECHNIQUE and not error)
        or (status == S.A_RECYCLER and not detail)
    ]
    duplicates, double_routed, examples = duplicated_transitions(ids)
    route_rows = Outbox.objects.filter(invoice_id__in=ids, kind=OutboxKind.ROUTE_INVOICE)
    attempts = Counter(route_rows.values_list("attempts", flat=True))
    drafts = Invoice.objects.filter(number__startswith=f"{args.prefix}-", status=S.BROUILLON)
    return {
        "deposited": len(ids),
        "statuses": dict(statuses),
        "lost": len(lost),
        "lost_examples": lost[:5],
        "duplicated_transitions": duplicates,
        "duplicate_examples": examples,
        "double_routed": double_routed,
        "route_rows": route_rows.count(),
        "route_rows_pending": route_rows.filter(processed_at__isnull=True).count(),
        "executions_beyond_one": sum((a - 1) * c for a, c in attempts.items() if a > 1),
        "attempts_histogram": {str(k): v for k, v in sorted(attempts.items())},
        "drafts_left": drafts.count(),
    }


# R4: a fault between insert and commit ----------------------------------------------------------
class InjectedFault(Exception):
    pass


def cmd_rollback(args) -> dict:
    """Deposit inside an outer transaction that fails after the insert: nothing may remain."""
    ctx = context()
    callbacks_before_fault = 0
    raised = 0
    for index in range(args.n):
        number = f"{args.prefix}-{index:06d}"
        try:
            with transaction.atomic():
                deposit_service(number, ctx)
                callbacks_before_fault += len(connection.run_on_commit)
                raise InjectedFault(number)
        except InjectedFault:
            raised += 1
    return {
        "attempted": args.n,
        "faults_raised": raised,
        "callbacks_registered_before_fault": callbacks_before_fault,
        "callbacks_left_after_rollback": len(connection.run_on_commit),
        "invoices": Invoice.objects.filter(number__startswith=f"{args.prefix}-").count(),
        "outbox_rows": Outbox.objects.filter(invoice__number__startswith=f"{args.prefix}-").count(),
        "events": InvoiceEvent.objects.filter(
            invoice__number__startswith=f"{args.prefix}-"
        ).count(),
    }


# R5: the same number from two clients at once ---------------------------------------------------
def cmd_same_number(args) -> dict:
    ctx = context()
    clients = [ApiClient(), ApiClient()]
    connection.close()
    per_pair: Counter = Counter()
    statuses: Counter = Counter()
    for index in range(args.n):
        number = f"{args.prefix}-{index:06d}"
        barrier = threading.Barrier(2)
        answers: list[tuple[int, dict]] = []

        def post(client: ApiClient, number: str = number, barrier=barrier, answers=answers):
            barrier.wait(timeout=10)
            try:
                answers.append(client.deposit(number, ctx["recipient_siret"]))
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        codes = sorted(
            f"{status}:{body.get('codeRetour', '')}" if status != 200 else "200"
            for status, body in answers
        )
        per_pair[" + ".join(codes)] += 1
        for status, _ in answers:
            statuses[status] += 1
    deposited = Invoice.objects.filter(number__startswith=f"{args.prefix}-").exclude(
        status=S.BROUILLON
    )
    per_number = Counter(deposited.values_list("number", flat=True))
    return {
        "pairs": args.n,
        "pair_outcomes": dict(per_pair),
        "http_statuses": {str(k): v for k, v in statuses.items()},
        "numbers_deposited": len(per_number),
        "numbers_deposited_twice": sum(1 for c in per_number.values() if c > 1),
    }


# R6 / R7: staff transitions ---------------------------------------------------------------------
def make_available_invoices(prefix: str, n: int) -> list[int]:
    """Deposit and route in process (real services), as if the workers had run."""
    ctx = context()
    ids = []
    for index in range(n):
        _, body = deposit_service(f"{prefix}-{index:06d}", ctx)
        invoice = services.invoice_route(invoice_id=body["identifiantFactureCPP"])
        assert invoice.status == S.MISE_A_DISPOSITION, invoice.status
        ids.append(invoice.pk)
    return ids


def staff_actions(by, today: datetime.date) -> dict:
    return {
        "reject": lambda pk: services.invoice_reject(
            invoice_id=pk, by=by, reason=RejectionReason.MONTANT_ERRONE, comment="pannes"
        ),
        "suspend": lambda pk: services.invoice_suspend(invoice_id=pk, by=by, reason="pièce"),
        "send_to_recycle": lambda pk: services.invoice_send_to_recycle(
            invoice_id=pk, by=by, comment="mauvais service"
        ),
        "mark_service_done": lambda pk: services.invoice_mark_service_done(
            invoice_id=pk, by=by, on=today
        ),
        "mandate": lambda pk: services.invoice_mandate(invoice_id=pk, by=by, mandate_number="M1"),
        "make_available_to_accounting": lambda pk: services.invoice_make_available_to_accounting(
            invoice_id=pk, by=by
        ),
        "mark_accounted": lambda pk: services.invoice_mark_accounted(invoice_id=pk, by=by),
        "mark_paid": lambda pk: services.invoice_mark_paid(
            invoice_id=pk, by=by, on=today, amount="120.00"
        ),
    }


def staff_users() -> list:
    from accounts.models import User

    return list(User.objects.filter(pk__in=context()["staff_ids"]).order_by("pk"))


def cmd_conflicts(args) -> dict:
    """Two staff members fire conflicting transitions on the same invoice at the same moment."""
    ids = make_available_invoices(args.prefix, args.n)
    first, second = staff_users()[:2]
    today = timezone.localdate()
    # Each pair is exclusive: after either one, the other is no longer allowed.
    pairs = [("reject", "send_to_recycle"), ("send_to_recycle", "suspend"), ("reject", "suspend")]
    outcomes: Counter = Counter()
    unexpected: list[str] = []
    connection.close()
    for position, pk in enumerate(ids):
        left, right = pairs[position % len(pairs)]
        actions = [staff_actions(first, today)[left], staff_actions(second, today)[right]]
        barrier = threading.Barrier(2)
        winners, losers = [], []

        def fire(action, pk=pk, barrier=barrier, winners=winners, losers=losers):
            barrier.wait(timeout=10)
            try:
                action(pk)
                winners.append(1)
            except (ChorusError, ConcurrentTransition) as exc:
                losers.append(getattr(exc, "code", type(exc).__name__))
            except Exception as exc:
                unexpected.append(f"{type(exc).__name__}: {exc}")
            finally:
                connection.close()

        threads = [threading.Thread(target=fire, args=(action,)) for action in actions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        outcomes[f"{len(winners)} winner(s), losers {sorted(losers)}"] += 1
    staff_events = Counter(
        InvoiceEvent.objects.filter(invoice_id__in=ids, actor__in=[first, second])
        .exclude(from_status="")
        .values_list("invoice_id", flat=True)
    )
    mismatched = 0
    for invoice in Invoice.objects.filter(pk__in=ids):
        last = invoice.events.exclude(to_status="").order_by("created_at", "id").last()
        mismatched += last.to_status != invoice.status
    return {
        "invoices": len(ids),
        "outcomes": dict(outcomes),
        "unexpected_errors": unexpected[:5],
        "invoices_with_two_staff_transitions": sum(1 for c in staff_events.values() if c > 1),
        "invoices_with_no_staff_transition": len(ids) - len(staff_events),
        "status_differs_from_last_event": mismatched,
    }


def allowed_transitions() -> set[tuple[str, str, str]]:
    field = Invoice._meta.get_field("status")
    allowed = set()
    for transition in field.get_all_transitions(Invoice):
        allowed.add((transition.name, transition.source, transition.target))
    return allowed


def cmd_random(args) -> dict:
    """Random staff transitions by several threads over a few invoices, checked on the FSM."""
    ids = make_available_invoices(args.prefix, args.n)
    users = staff_users()
    today = timezone.localdate()
    rng = random.Random(args.seed)
    plan = [
        (rng.choice(ids), rng.choice(users), rng.choice(list(staff_actions(users[0], today))))
        for _ in range(args.ops)
    ]
    chunks = [plan[i :: args.threads] for i in range(args.threads)]
    results: Counter = Counter()
    unexpected: list[str] = []
    lock = threading.Lock()
    connection.close()

    def run(chunk) -> None:
        try:
            for pk, user, name in chunk:
                try:
                    staff_actions(user, today)[name](pk)
                    outcome = "applied"
                except (ChorusError, ConcurrentTransition) as exc:
                    outcome = f"refused:{getattr(exc, 'code', type(exc).__name__)}"
                except Exception as exc:
                    outcome = "unexpected"
                    with lock:
                        unexpected.append(f"{type(exc).__name__}: {exc}")
                with lock:
                    results[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    edges = {(source, target) for _, source, target in allowed_transitions()}
    sources_of = {}
    for name, source, target in allowed_transitions():
        sources_of.setdefault(name, set()).add((source, target))
    invalid_edges, broken_paths, status_mismatch, payments_over_one = 0, 0, 0, 0
    examples = []
    for invoice in Invoice.objects.filter(pk__in=ids):
        path = list(
            invoice.events.exclude(to_status="")
            .order_by("created_at", "id")
            .values_list("from_status", "to_status", "action")
        )
        for (source, target, action), following in zip(path, [*path[1:], None], strict=True):
            if source and (source, target) not in edges and source != "*":
                invalid_edges += 1
                examples.append((invoice.pk, source, target, action))
            if following is not None and following[0] and following[0] != target:
                broken_paths += 1
                examples.append((invoice.pk, "path", target, following[0]))
        status_mismatch += path[-1][1] != invoice.status
        payments_over_one += sum(1 for _, t, _ in path if t == S.MISE_EN_PAIEMENT) > 1
    return {
        "invoices": len(ids),
        "operations": args.ops,
        "threads": args.threads,
        "seed": args.seed,
        "results": dict(results),
        "unexpected_errors": unexpected[:5],
        "events_checked": InvoiceEvent.objects.filter(invoice_id__in=ids)
        .exclude(to_status="")
        .count(),
        "invalid_edges": invalid_edges,
        "broken_paths": broken_paths,
        "status_differs_from_last_event": status_mismatch,
        "invoices_paid_twice": payments_over_one,
        "examples": examples[:5],
        "final_statuses": dict(
            Counter(Invoice.objects.filter(pk__in=ids).values_list("status", flat=True))
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup")
    deposit = sub.add_parser("deposit")
    deposit.add_argument("--prefix", required=True)
    deposit.add_argument("--n", type=int, required=True)
    deposit.add_argument("--start", type=int, default=0)
    deposit.add_argument("--threads", type=int, default=8)
    deposit.add_argument("--mode", choices=["api", "service"], default="api")
    deposit.add_argument("--pause", type=float, default=0.0)
    sub.add_parser("sweep")
    sub.add_parser("settle")
    sub.add_parser("pending")
    for name in ("check", "ids", "rollback", "same-number", "conflicts", "random"):
        command = sub.add_parser(name)
        command.add_argument("--prefix", required=True)
        command.add_argument("--n", type=int, default=0)
        command.add_argument("--ops", type=int, default=0)
        command.add_argument("--threads", type=int, default=4)
        command.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    handler = {
        "setup": cmd_setup,
        "deposit": cmd_deposit,
        "sweep": cmd_sweep,
        "settle": cmd_settle,
        "pending": cmd_pending,
        "check": cmd_check,
        "ids": cmd_ids,
        "rollback": cmd_rollback,
        "same-number": cmd_same_number,
        "conflicts": cmd_conflicts,
        "random": cmd_random,
    }[args.command]
    emit(handler(args))


if __name__ == "__main__":
    main()
