"""schemathesis against our OpenAPI document (/api/schema/), in-process through the WSGI app,
with a valid bearer token and `cpro-account`: every `/cpro/` operation answers no server error
(5xx) and conforms to its declared response schema. Bounded: a few examples per operation."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import cpro_account, get_token

pytestmark = pytest.mark.django_db(transaction=True)

MAX_EXAMPLES = 4


def test_cpro_operations_answer_no_5xx_and_conform_to_the_schema(client, sandbox_app, api):
    headers = {
        "Authorization": f"Bearer {get_token(client)['access_token']}",
        "cpro-account": cpro_account("tech-fournisseur", "sandbox"),
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    failures, checked = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/cpro/"):
            continue
        checked += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            run()
        except Exception as exc:  # collect every operation's failure, report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert checked > 20
    assert not failures, "\n\n".join(failures)
