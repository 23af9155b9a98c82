import logging

from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class ApplicationRateThrottle(SimpleRateThrottle):
    """Rate limit per PISTE application (the OAuth client), as the gateway does."""

    scope = "piste"

    def allow_request(self, request, view) -> bool:
        # The counters live in the cache (Redis). A deposit needs only PostgreSQL: with Redis down
        # the limit fails open rather than turning every call into a 500 (reliability gate R3).
        try:
            return super().allow_request(request, view)
        except RedisError:
            logger.warning("Limitation de débit indisponible (cache injoignable) : requête admise")
            return True

    def get_rate(self) -> str | None:
        # Read at each request (not at import) so a settings change applies at once.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        application = getattr(request, "piste_application", None)
        if application is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": application.pk}
