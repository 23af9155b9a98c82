"""A public structure's own settings pages (`/structures/<id>/parametres/...`): billing
parameters, services, legal commitments and staff access. Rules in `structures.settings.services`.
"""
