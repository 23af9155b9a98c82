"""Every model of the project is reachable in the Django admin (registered, or inline of one)."""

import pytest
from django.apps import apps
from django.contrib import admin

INLINE_ONLY = {
    "invoices.InvoiceLine",
    "invoices.InvoiceEvent",
    "support.SollicitationMessage",
    "sandbox.RobotRule",
}
APPS = ["accounts", "structures", "invoices", "support", "api", "sandbox"]


def test_every_model_is_in_the_admin():
    missing = [
        model._meta.label
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if model not in admin.site._registry and model._meta.label not in INLINE_ONLY
    ]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    [m for app in APPS for m in apps.get_app_config(app).get_models() if m in admin.site._registry],
    ids=lambda m: m._meta.label,
)
def test_admin_changelists_load(admin_client, model):
    meta = model._meta
    assert admin_client.get(f"/admin/{meta.app_label}/{meta.model_name}/").status_code == 200
