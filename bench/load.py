"""Fast, valid data for the bench: one real invoice deposited through the API is the template,
then PostgreSQL copies it server-side (INSERT … SELECT over generate_series) in batches.

The distribution follows reliability-perf.md §6: 1 M invoices, the largest tenant on each side
holds 10 % of them (the demo supplier issues 100 k, the State receives 100 k), the rest is spread
over synthetic suppliers and public bodies. Every row keeps valid foreign keys, a unique number,
its lines and its events (deposited, routing started, made available).
"""

import time

from django.db import connection, transaction

from structures.demo import STATE_SIRET, SUPPLIER_SIRET
from structures.models import Service, Structure

SYNTHETIC_SUPPLIERS = 50
SYNTHETIC_RECIPIENTS = 20
BATCH = 100_000
# Columns the copy computes; every other column is copied from the template row as it is.
COMPUTED = {
    "id",
    "supplier_id",
    "recipient_id",
    "service_id",
    "recipient_siret",
    "service_code",
    "number",
    "created_at",
    "updated_at",
    "deposited_at",
    "made_available_at",
    "status",
}


def _synthetic_structures() -> tuple[list[int], list[int]]:
    template_supplier = Structure.objects.get(identifier_type="SIRET", identifier=SUPPLIER_SIRET)
    template_public = Structure.objects.get(identifier_type="SIRET", identifier=STATE_SIRET)

    def clone(template: Structure, prefix: str, index: int, name: str) -> Structure:
        clone = Structure.objects.get(pk=template.pk)
        clone.pk = None
        clone.identifier = f"{prefix}{index:08d}"[:14]
        clone.name = f"{name} {index} (banc)"
        clone.service_code_required = False
        clone.ej_required = False
        clone.ej_or_service_required = False
        return clone

    suppliers = Structure.objects.bulk_create(
        clone(template_supplier, "777000", i, "Fournisseur") for i in range(SYNTHETIC_SUPPLIERS)
    )
    publics = Structure.objects.bulk_create(
        clone(template_public, "888000", i, "Entité publique") for i in range(SYNTHETIC_RECIPIENTS)
    )
    return [s.pk for s in suppliers], [s.pk for s in publics]


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def load_invoices(*, template_id: int, count: int, log=print) -> float:
    """Copy the template invoice `count` times; return the elapsed seconds."""
    started = time.perf_counter()
    supplier_ids, public_ids = _synthetic_structures()
    demo_supplier = Structure.objects.get(identifier_type="SIRET", identifier=SUPPLIER_SIRET)
    state = Structure.objects.get(identifier_type="SIRET", identifier=STATE_SIRET)
    state_service = Service.objects.filter(structure=state).order_by("pk").first()
    sirets = dict(Structure.objects.filter(pk__in=public_ids).values_list("pk", "identifier"))
    columns = [c for c in _columns("invoices_invoice") if c != "id"]
    n = int(count)
    service_pk = state_service.pk if state_service else "NULL"
    service_code = state_service.code if state_service else ""
    public_sirets = [sirets[pk] for pk in public_ids]
    expressions = {
        # 10 % for the demo supplier (largest issuer), the rest over the synthetic suppliers.
        "supplier_id": f"CASE WHEN mod(g, 10) = 0 THEN {demo_supplier.pk} "
        f"ELSE (ARRAY{supplier_ids})[1 + mod(g, {len(supplier_ids)})] END",
        # 10 % for the State (largest recipient), the rest over the synthetic public bodies.
        "recipient_id": f"CASE WHEN mod(g, 10) = 1 THEN {state.pk} "
        f"ELSE (ARRAY{public_ids})[1 + mod(g, {len(public_ids)})] END",
        "service_id": f"CASE WHEN mod(g, 10) = 1 THEN {service_pk} ELSE NULL END",
        "recipient_siret": f"CASE WHEN mod(g, 10) = 1 THEN '{state.identifier}' "
        f"ELSE (ARRAY{public_sirets}::text[])[1 + mod(g, {len(public_ids)})] END",
        "service_code": f"CASE WHEN mod(g, 10) = 1 THEN '{service_code}' ELSE '' END",
        "number": "'B' || lpad(g::text, 9, '0')",
        # One deposit every 30 s over the past year, oldest first.
        "created_at": f"t.created_at - (({n} - g) * interval '30 seconds')",
        "updated_at": f"t.created_at - (({n} - g) * interval '30 seconds')",
        "deposited_at": f"t.created_at - (({n} - g) * interval '30 seconds')",
        "made_available_at": f"t.created_at - (({n} - g) * interval '30 seconds' - "
        "interval '2 seconds')",
        "status": "'MISE_A_DISPOSITION'",
    }
    select = ", ".join(expressions.get(c, f"t.{c}") for c in columns)
    insert = (
        f"INSERT INTO invoices_invoice ({', '.join(columns)}) SELECT {select} "  # noqa: S608
        "FROM invoices_invoice t, generate_series(%(low)s, %(high)s) g WHERE t.id = %(template)s"
    )
    line_cols = [c for c in _columns("invoices_invoiceline") if c not in ("id", "invoice_id")]
    event_cols = [
        c for c in _columns("invoices_invoiceevent") if c not in ("id", "invoice_id", "created_at")
    ]
    copy_lines = (
        f"INSERT INTO invoices_invoiceline (invoice_id, {', '.join(line_cols)}) "  # noqa: S608
        f"SELECT i.id, {', '.join('l.' + c for c in line_cols)} FROM invoices_invoice i "
        "JOIN invoices_invoiceline l ON l.invoice_id = %(template)s WHERE i.id > %(last)s"
    )
    copy_events = (
        f"INSERT INTO invoices_invoiceevent (invoice_id, created_at, {', '.join(event_cols)}) "  # noqa: S608
        f"SELECT i.id, i.created_at, {', '.join('e.' + c for c in event_cols)} "
        "FROM invoices_invoice i JOIN invoices_invoiceevent e ON e.invoice_id = %(template)s "
        "WHERE i.id > %(last)s"
    )
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM invoices_invoice")
            last = cursor.fetchone()[0]
            params = {"low": done + 1, "high": done + size, "template": template_id}
            cursor.execute(insert, params)
            cursor.execute(copy_lines, {"template": template_id, "last": last})
            cursor.execute(copy_events, {"template": template_id, "last": last})
        done += size
        log(f"  {done:>9,} factures chargées ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE invoices_invoice, invoices_invoiceline, invoices_invoiceevent")
    return time.perf_counter() - started
