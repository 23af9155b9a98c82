"""Recipient robots: apply a structure's scenario to the invoices it received, on its sandbox clock.

Every action goes through the normal recipient services (`invoices.services`) as the robot user,
a validated MODIFICATION member of the structure, so the supplier sees it on the timeline like a
person's. Idempotent: a `RobotAction` row is written with each action and a rule never acts twice on
the same invoice; a rule whose condition is not met yet (N days not elapsed) is simply tried again
at the next run. Rules are applied in order; "never answer" stops the scenario.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from chorus import clock
from chorus.exceptions import ChorusError
from invoices import services
from invoices.choices import InvoiceStatus, RejectionReason
from invoices.models import Invoice, InvoiceDocument
from invoices.services.recipient import recipient_action_get
from sandbox.models import RobotAction, RobotRule, RobotScenario, RuleKind, Sandbox

logger = logging.getLogger(__name__)
S = InvoiceStatus
# Invoices a robot may still act on.
OPEN_STATUSES = [
    S.MISE_A_DISPOSITION,
    S.COMPLETEE,
    S.SERVICE_FAIT,
    S.MANDATEE,
    S.MISE_A_DISPOSITION_COMPTABLE,
    S.COMPTABILISEE,
]
ROBOT_SIGNATURE = "(robot du bac à sable)"


def _elapsed_days(invoice: Invoice, now: datetime.datetime) -> float:
    if invoice.made_available_at is None:
        return -1
    return (now - invoice.made_available_at).total_seconds() / 86400


def _plan(rule: RobotRule, invoice: Invoice, now: datetime.datetime):
    """What the rule would do now on the invoice: (recipient action name, its data) or None.
    The action runs through the one registry of recipient actions (`invoice_recipient_act`)."""
    if rule.kind == RuleKind.SUSPEND_NO_ATTACHMENT:
        has_attachment = InvoiceDocument.objects.filter(
            invoice=invoice, kind=InvoiceDocument.Kind.PIECE_JOINTE
        ).exists()
        if has_attachment or invoice.status == S.COMPLETEE:
            return None
        return "suspend", {"reason": f"Pièce justificative absente {ROBOT_SIGNATURE}"}
    if rule.kind == RuleKind.RECYCLE_UNKNOWN_SERVICE:
        code = invoice.service.code if invoice.service else ""
        if code and (not rule.codes or code in rule.codes):
            return None
        comment = f"Service « {code or 'non renseigné'} » inconnu du destinataire {ROBOT_SIGNATURE}"
        return "send_to_recycle", {"comment": comment}
    if rule.kind == RuleKind.REJECT_ABOVE:
        if rule.amount is None or invoice.total_gross <= rule.amount:
            return None
        comment = f"Montant supérieur à {rule.amount} € {ROBOT_SIGNATURE}"
        return "reject", {"reason": RejectionReason.MONTANT_ERRONE, "comment": comment}
    today = timezone.localdate(now)
    if rule.kind == RuleKind.SERVICE_DONE_AFTER:
        if _elapsed_days(invoice, now) < (rule.days or 0):
            return None
        return "mark_service_done", {"on": today}
    if rule.kind == RuleKind.PAY_AFTER:
        if _elapsed_days(invoice, now) < (rule.days or 0):
            return None
        return "mark_paid", {"payment_date": today, "payment_amount": invoice.total_gross}
    return None


def robot_process_invoice(*, scenario: RobotScenario, invoice: Invoice) -> list[str]:
    """Apply the scenario's rules, in order, to one invoice; returns the kinds that acted."""
    now = clock.now(structure_id=scenario.structure_id)
    done = set(RobotAction.objects.filter(invoice=invoice).values_list("rule_id", flat=True))
    acted = []
    for rule in scenario.rules.all():
        if rule.kind == RuleKind.NEVER_ANSWER:
            break
        if rule.pk in done:
            continue
        plan = _plan(rule, invoice, now)
        if plan is None:
            continue
        action, data = plan
        action = recipient_action_get(action).name  # unknown: an error, never a payment
        if not can_proceed(getattr(invoice, action)):
            continue
        try:
            with transaction.atomic():
                RobotAction.objects.create(
                    rule=rule, invoice=invoice, simulated_at=now, to_status=""
                )
                invoice = services.invoice_recipient_act(
                    invoice_id=invoice.pk, by=scenario.robot_user, action=action, data=data
                )
                RobotAction.objects.filter(rule=rule, invoice=invoice).update(
                    to_status=invoice.status
                )
        except IntegrityError:
            continue  # another run acted first
        except ChorusError as exc:
            logger.warning("robot %s, facture %s : %s", rule, invoice.pk, exc.message)
            invoice.refresh_from_db()
            continue
        acted.append(rule.kind)
    return acted


def robots_run(*, sandbox: Sandbox | None = None) -> int:
    """Run every active scenario, or only those following `sandbox`'s clock.

    Returns the number of actions taken.
    """
    from sandbox.selectors import scenarios_active

    scenarios = scenarios_active()
    if sandbox is not None and sandbox.is_default:
        scenarios = scenarios.exclude(structure__sandboxes__is_default=False)
    elif sandbox is not None:
        scenarios = scenarios.filter(structure__sandboxes=sandbox)
    count = 0
    for scenario in scenarios:
        invoices = Invoice.objects.filter(
            recipient=scenario.structure, status__in=OPEN_STATUSES
        ).select_related("service")
        for invoice in invoices:
            count += len(robot_process_invoice(scenario=scenario, invoice=invoice))
    return count
