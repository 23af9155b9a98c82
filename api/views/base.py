"""Base class of the `/cpro/...` endpoints: POST with a JSON body read case-insensitively."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from api.envelope import Body
from invoices.validators import payload_text_check

CPRO_ACCOUNT_HEADER = OpenApiParameter(
    name="cpro-account",
    type=str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="base64(« login:mot de passe ») du compte technique",
)


def cpro_schema(**kwargs):
    """OpenAPI description shared by the endpoints (the technical-account header is required)."""
    parameters = [CPRO_ACCOUNT_HEADER, *kwargs.pop("parameters", [])]
    return extend_schema(parameters=parameters, **kwargs)


class CproView(APIView):
    http_method_names = ["post", "options"]

    def body(self, request: Request) -> Body:
        payload_text_check(request.data)  # control characters: a 400 naming the JSON field
        return Body(request.data)
