"""`manage.py conformance --application <client_id> [--compte <login>]`: the integrator's checklist.

Exit status 0 when every check passes, 1 otherwise (usable in a CI run).
"""

from django.core.management.base import BaseCommand, CommandError

from api.conformance import conformance_report, conformance_run
from api.models import TechnicalAccount
from api.models.sandbox import RequestLogEntry


class Command(BaseCommand):
    help = "Contrôle de conformité d'une application d'intégrateur d'après son usage enregistré."

    def add_arguments(self, parser):
        parser.add_argument("--application", required=True, help="client_id de l'application")
        parser.add_argument(
            "--compte", help="compte technique (par défaut : chaque compte vu dans le journal)"
        )

    def handle(self, *args, **options):
        client_id = options["application"]
        if options.get("compte"):
            accounts = TechnicalAccount.objects.filter(login=options["compte"])
            if not accounts.exists():
                raise CommandError(f"Compte technique « {options['compte']} » inconnu.")
        else:
            logins = (
                RequestLogEntry.objects.filter(client_id=client_id)
                .exclude(login="")
                .values_list("login", flat=True)
                .distinct()
            )
            accounts = TechnicalAccount.objects.filter(login__in=list(logins))
        accounts = list(accounts.select_related("structure").order_by("login"))
        if not accounts:
            raise CommandError(
                f"Aucun appel enregistré pour l'application « {client_id} » : rien à contrôler."
            )
        all_passed = True
        for account in accounts:
            checks = conformance_run(client_id=client_id, structure=account.structure)
            all_passed &= all(c.passed for c in checks)
            self.stdout.write(f"Application {client_id} — {account.structure} ({account.login})")
            self.stdout.write(conformance_report(checks))
        if not all_passed:
            raise SystemExit(1)
