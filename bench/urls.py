"""The project's URLs plus the limits measured beside P1 under the same server:

- `/bench/ping`: the minimal view (full middleware stack, constant body): request throughput;
- `/bench/floor-insert`: a plain view that parses the deposit's JSON and INSERTs one row (raw SQL,
  autocommit): the cost of one durable write under the server;
- `/bench/floor-api`: the same write behind what every API call goes through (DRF, the PISTE
  bearer token and technical account, the rate limit, the request log): the floor of any deposit.
"""

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chorus.urls import urlpatterns as chorus_urlpatterns

FLOOR_TABLE = "bench_floor"
FLOOR_DDL = (
    f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} "
    "(id bigserial PRIMARY KEY, number varchar(60) UNIQUE NOT NULL, body text NOT NULL)"
)


@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """No database, no template: full middleware stack, then a constant body."""
    return HttpResponse(b"ok", content_type="text/plain")


def _floor_write(number: str, body: bytes) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (number, body) VALUES (%s, %s) RETURNING id",  # noqa: S608
            [number, body.decode()],
        )
        return cursor.fetchone()[0]


@csrf_exempt
@require_POST
def floor_insert(request: HttpRequest) -> JsonResponse:
    number = json.loads(request.body)["numeroFactureSaisi"]
    return JsonResponse({"id": _floor_write(number, request.body)}, status=201)


class FloorApi(APIView):
    """Project defaults: PisteAuthentication, IsAuthenticated, ApplicationRateThrottle."""

    def post(self, request: Request) -> Response:
        number = request.data["numeroFactureSaisi"]
        pk = _floor_write(number, request.body)
        return Response({"id": pk, "idStructure": request.technical_account.structure_id})


# Not under /cpro/: the request log and fault injection apply to /cpro/ only, so the API floor
# routes its call there too (bench/runner.py uses /cpro/bench/floor-api).
urlpatterns = [
    path("bench/ping", ping, name="bench_ping"),
    path("bench/floor-insert", floor_insert, name="bench_floor_insert"),
    path("cpro/bench/floor-api", FloorApi.as_view(), name="bench_floor_api"),
    *chorus_urlpatterns,
]
