"""`manage.py sandbox_create`: a fresh isolated sandbox for a CI run, printed as JSON."""

import json

from django.core.management.base import BaseCommand

from sandbox.services import sandbox_create


class Command(BaseCommand):
    help = (
        "Crée un bac à sable isolé (fournisseur, destinataire avec robot, comptes techniques, "
        "application OAuth) et affiche ses identifiants en JSON."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--nom", default="", help="Nom du bac à sable")

    def handle(self, *args, **options) -> None:
        self.stdout.write(json.dumps(sandbox_create(name=options["nom"]), ensure_ascii=False))
