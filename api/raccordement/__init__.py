"""The "Raccordement EDI et API" pages (`/raccordement/`): PISTE applications and technical
accounts of a structure, managed by its principal."""
