"""Issue 18 minor: the clock form's error names its field, on its own line above the input."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_clock_error_names_the_field_on_its_own_line(client, settings):
    settings.CHORUS_SANDBOX = True
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("sandbox:clock_advance"), {"days": "", "hours": "0"})
    html = response.content.decode()
    assert response.status_code == 400
    assert '<p class="errorlist field-error" id="id_days_error">Jours : ' in html
