"""Field rules shared by the sign-up form, the profile form and the services."""

import re

_PHONE_ALLOWED = re.compile(r"^\+?[0-9 .\-()]+$")


def phone_problem(value: str) -> str | None:
    """Return the French reason why `value` is not a usable phone number, or None when it is."""
    if not value:
        return None
    if not _PHONE_ALLOWED.match(value):
        return (
            "Téléphone : seuls les chiffres, les espaces, les points, les tirets, les parenthèses "
            "et un « + » initial sont acceptés."
        )
    digits = re.sub(r"\D", "", value)
    if not 10 <= len(digits) <= 15:
        return "Téléphone : le numéro doit compter entre 10 et 15 chiffres."
    return None
