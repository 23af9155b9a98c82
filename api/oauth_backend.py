"""The token endpoint's error answers, as PISTE gives them (chorus-pro.md §2.2, §8.5).

oauthlib answers a bad `client_id` / `client_secret` with HTTP 401 and a bare
`{"error": "invalid_client"}`; PISTE answers HTTP **400** with an `error_description`, which the
PHP library's own tests and OCA's error message read.
"""

import json

from oauth2_provider.oauth2_backends import OAuthLibCore

DESCRIPTIONS = {
    "invalid_client": "Identifiants du client invalides (client_id ou client_secret inconnu).",
    "invalid_request": "Requête de jeton invalide : paramètre manquant ou mal formé.",
    "unsupported_grant_type": "Type d'autorisation non pris en charge : client_credentials.",
    "invalid_scope": "Portée (scope) demandée invalide.",
    "unauthorized_client": "Ce client n'est pas autorisé à utiliser ce type d'autorisation.",
    "invalid_grant": "Autorisation invalide.",
}


class PisteOAuthLibCore(OAuthLibCore):
    def create_token_response(self, request):
        uri, headers, body, status = super().create_token_response(request)
        if status < 400:
            return uri, headers, body, status
        try:
            payload = json.loads(body or "{}")
        except ValueError:
            return uri, headers, body, status
        if not isinstance(payload, dict):
            return uri, headers, body, status
        code = payload.get("error") or "invalid_request"
        payload["error"] = code
        payload.setdefault("error_description", DESCRIPTIONS.get(code, "Requête refusée."))
        if code == "invalid_client" and status == 401:
            status = 400
            headers = {k: v for k, v in headers.items() if k.lower() != "www-authenticate"}
        return uri, headers, json.dumps(payload), status
