"""Fixed sandbox API credentials, like a local cloud emulator's (listed in the README)."""

from api.services import api_application_ensure, technical_account_create
from structures.demo import STATE_SIRET, SUPPLIER_SIRET
from structures.models import Structure

SANDBOX_CLIENT_ID = "chorus-sandbox"
SANDBOX_CLIENT_SECRET = "chorus-sandbox-secret"
SANDBOX_TECHNICAL_ACCOUNTS = [
    ("tech-fournisseur", "sandbox", SUPPLIER_SIRET),
    ("tech-etat", "sandbox", STATE_SIRET),
]


def api_demo_load() -> list[str]:
    api_application_ensure(
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        name="Application du bac à sable",
    )
    loaded = []
    for login, password, siret in SANDBOX_TECHNICAL_ACCOUNTS:
        structure = Structure.objects.get(identifier_type="SIRET", identifier=siret)
        technical_account_create(structure=structure, login=login, password=password)
        loaded.append(f"{login} / {password} ({structure.name})")
    return loaded
