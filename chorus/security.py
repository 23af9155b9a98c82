"""Security helpers: the caller's address (`client_address`), and a per-page
Content-Security-Policy for third-party pages with inline code.

The site-wide policy (`SECURE_CSP` in settings) forbids every inline script and style. A few
pages that we do not write embed an inline block (drf-spectacular's Swagger UI: an inline
`<script>` that starts the UI and an inline `<style>`). Rather than loosening the policy for the
whole page with 'unsafe-inline', `InlineHashCSPMiddleware` allows exactly the inline blocks the
response contains, by their SHA-256 hash (CSP Level 2 hash sources), on the paths listed in
`CHORUS_CSP_HASHED_PATHS` only.
"""

import base64
import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse


def client_address(request: HttpRequest) -> str:
    """The caller's IP address, for every per-address limit and record (login throttling, API
    credential throttling, contact form, signatures): allauth's reading, so all of them agree.
    REMOTE_ADDR, or behind `ALLAUTH_TRUSTED_PROXY_COUNT` proxies (settings:
    `CHORUS_TRUSTED_PROXY_COUNT`; 1 in docker-compose.yml, where Caddy is the only way in) the
    X-Forwarded-For entry the nearest trusted proxy wrote. "" when no address can be read."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):  # no address, or fewer proxies than said
        return request.META.get("REMOTE_ADDR") or ""


_INLINE = {
    "script-src": re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I),
    "style-src": re.compile(rb"<style[^>]*>(.*?)</style>", re.S | re.I),
}


def inline_hashes(html: bytes) -> dict[str, list[str]]:
    """The CSP hash sources ('sha256-…') of the inline scripts and styles of `html`."""
    found: dict[str, list[str]] = {}
    for directive, pattern in _INLINE.items():
        for block in pattern.findall(html):
            digest = base64.b64encode(hashlib.sha256(block).digest()).decode()
            found.setdefault(directive, []).append(f"'sha256-{digest}'")
    return found


class InlineHashCSPMiddleware:
    """Allow the inline blocks of the listed pages by hash (runs inside the CSP middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        paths = getattr(settings, "CHORUS_CSP_HASHED_PATHS", ())
        if (
            request.path in paths
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
        ):
            policy = {key: list(values) for key, values in settings.SECURE_CSP.items()}
            for directive, sources in inline_hashes(response.content).items():
                policy[directive] = [*policy.get(directive, []), *sources]
            response._csp_config = policy
            # drf-spectacular sets COOP "unsafe-none" for the OAuth2 authorization-code popup;
            # the PISTE emulation only offers client credentials: keep the site-wide value.
            if "Cross-Origin-Opener-Policy" in response:
                response["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
        return response
