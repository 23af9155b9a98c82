"""OpenAPI description of the PISTE authentication (bearer token + `cpro-account` header)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PisteAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.PisteAuthentication"
    name = "piste"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Jeton obtenu sur POST /api/oauth/token (client_credentials, "
            "scope=openid), plus l'en-tête cpro-account sur chaque appel.",
        }


class SandboxControlAuthenticationScheme(PisteAuthenticationScheme):
    """The sandbox controls take the same PISTE token; an expired technical password is allowed
    there so that an isolated sandbox can put its own clock back."""

    target_class = "sandbox.api_views.SandboxControlAuthentication"
    name = "piste-bac-a-sable"
