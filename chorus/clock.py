"""The sandbox clock: `now()` and `today()` to use instead of `timezone.now()` / `localdate()`
wherever a deadline, a payment delay, a password expiry or a robot action depends on time.

In sandbox mode (CHORUS_SANDBOX) the time is the real time plus the offset of the sandbox (advanced
by an administrator or an integrator), or the instant at which that sandbox was frozen. A structure
that belongs to a fresh isolated sandbox (`sandbox_create`) follows that sandbox's clock; every
other structure follows the default sandbox. Outside sandbox mode this is the real time.

Technical-account passwords expire by `now_isolated`: an isolated sandbox's clock, else the real
time (the shared clock never locks the tenants out of the API).

Not covered: OAuth access tokens (django-oauth-toolkit compares their expiry with the real time)
and rows stamped with `auto_now_add` (created_at) keep the real time.
"""

import datetime

from django.conf import settings
from django.utils import timezone


def now(*, structure_id: int | None = None) -> datetime.datetime:
    real = timezone.now()
    if not settings.CHORUS_SANDBOX:
        return real
    from sandbox.selectors import sandbox_for_structure

    return sandbox_for_structure(structure_id=structure_id).simulated_now(real=real)


def now_isolated(*, structure_id: int | None) -> datetime.datetime:
    """The clock of the structure's isolated sandbox; the real time on the shared sandbox."""
    real = timezone.now()
    if not settings.CHORUS_SANDBOX or structure_id is None:
        return real
    from sandbox.selectors import sandbox_for_structure

    sandbox = sandbox_for_structure(structure_id=structure_id)
    return real if sandbox.is_default else sandbox.simulated_now(real=real)


def today(*, structure_id: int | None = None) -> datetime.date:
    return timezone.localdate(now(structure_id=structure_id))
