"""`manage.py load_demo`: load the demonstration data set (idempotent)."""

from django.core.management.base import BaseCommand

from structures.demo import DEMO_ACCOUNTS, FREE_COMPANY_SIRET, demo_load


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (structures publiques réelles des documents sources, "
        "fournisseur fictif, comptes de démonstration). Relancer la commande ne crée aucun doublon."
    )

    def handle(self, *args, **options) -> None:
        report = demo_load()
        for siret, name, reason in report.refused:
            self.stdout.write(self.style.WARNING(f"SIRET refusé {siret} ({name}) : {reason}"))
        labels = sorted(set(report.created) | set(report.updated) | set(report.unchanged))
        for label in labels:
            self.stdout.write(
                f"  {label} : {report.created[label]} créé(s), {report.updated[label]} mis à "
                f"jour, {report.unchanged[label]} inchangé(s)"
            )
        self.stdout.write("Comptes de démonstration (double authentification non exigée) :")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account['email']} / {account['password']} — {account['role']}")
        self.stdout.write(
            f"Établissement du répertoire sans fiche structure (à créer) : {FREE_COMPANY_SIRET}"
        )
        from api.demo import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, api_demo_load

        accounts = api_demo_load()
        self.stdout.write(f"API : client OAuth {SANDBOX_CLIENT_ID} / {SANDBOX_CLIENT_SECRET}")
        for line in accounts:
            self.stdout.write(f"  compte technique {line}")
        from sandbox.demo import robots_demo_load

        for line in robots_demo_load():
            self.stdout.write(f"  robot destinataire {line}")
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
