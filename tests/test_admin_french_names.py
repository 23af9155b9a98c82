"""Issue 18 minor: the admin index names every model in French."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_index_has_no_english_model_names(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/").content.decode()
    for english in ("Access tokens", ">Grants<", "Authenticators", "Event consumers"):
        assert english not in html
    for french in ("Jetons d'accès", "Authentificateurs", "Consommateurs du flux d'événements"):
        assert french in html.replace("&#x27;", "'")
