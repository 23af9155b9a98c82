"""The public directory of structures (`/annuaire/`)."""
