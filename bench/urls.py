"""The project's URLs plus the minimal view: the request-throughput limit of the same server."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from chorus.urls import urlpatterns as chorus_urlpatterns


@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """No database, no template: full middleware stack, then a constant body."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/ping", ping, name="bench_ping"), *chorus_urlpatterns]
