"""The integrator page (`/integrateur/`) and its JSON control API: sandbox faults, request log,
events and webhooks of the calling application."""
