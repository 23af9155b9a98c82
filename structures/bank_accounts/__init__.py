"""A structure's bank accounts (`/structures/<id>/coordonnees-bancaires/`): rules in `services`."""
