"""The sandbox clock: `now()` and `today()` to use instead of `timezone.now()` / `localdate()`
wherever a deadline, a payment delay, a password expiry or a robot action depends on time.

In sandbox mode (CHORUS_SANDBOX) the time is the real time plus the offset of the sandbox (advanced
by an administrator or an integrator), or the instant at which that sandbox was frozen. A structure
that belongs to a fresh isolated sandbox (`sandbox_create`) follows that sandbox's clock; every
other structure follows the default sandbox. Outside sandbox mode this is the real time.

Technical-account passwords expire by `now_isolated`: an isolated sandbox's clock, else the real
time (the shared clock never locks the tenants out of the API).

Dates shown to users follow the same clock as the rules that compare them: invoice events
(history) and the deposit/availability instants use `now_for_invoice`, the entry form's default
date and the "date in the future" rule `today(structure_id=supplier)`, sollicitations and their
messages the clock of the structure they concern (model default `now`: the default sandbox), a
flux's reception and processing instants and the supplier's acknowledgements the supplier's /
the invoice's clock.

Not covered: OAuth access tokens (django-oauth-toolkit compares their expiry with the real time),
and technical rows (outbox, request log, documents) stamped with the real time.
"""

import datetime
from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.utils import timezone


class SandboxClock(Protocol):
    is_default: bool

    def simulated_now(self, *, real: datetime.datetime) -> datetime.datetime: ...


# How to find a structure's sandbox: registered by the sandbox app (`SandboxConfig.ready`), so this
# module, imported by every layer, never imports the app above it.
_sandbox_lookup: Callable[..., SandboxClock] | None = None


def register_sandbox_lookup(lookup: Callable[..., SandboxClock]) -> None:
    """`lookup(structure_id=...)` returns the sandbox whose clock that structure follows."""
    global _sandbox_lookup
    _sandbox_lookup = lookup


def now(*, structure_id: int | None = None) -> datetime.datetime:
    real = timezone.now()
    if not settings.CHORUS_SANDBOX or _sandbox_lookup is None:
        return real
    return _sandbox_lookup(structure_id=structure_id).simulated_now(real=real)


def now_isolated(*, structure_id: int | None) -> datetime.datetime:
    """The clock of the structure's isolated sandbox; the real time on the shared sandbox."""
    real = timezone.now()
    if not settings.CHORUS_SANDBOX or structure_id is None or _sandbox_lookup is None:
        return real
    sandbox = _sandbox_lookup(structure_id=structure_id)
    return real if sandbox.is_default else sandbox.simulated_now(real=real)


def today(*, structure_id: int | None = None) -> datetime.date:
    return timezone.localdate(now(structure_id=structure_id))


def now_for_invoice(invoice) -> datetime.datetime:
    """The clock an invoice lives by: its recipient's sandbox (deadlines, robots, interest), else
    its supplier's. Within an isolated sandbox both are the same clock."""
    return now(structure_id=invoice.recipient_id or invoice.supplier_id)
