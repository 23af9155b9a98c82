"""Explicit extension points of the invoice domain, for the apps that sit above it.

The invoice services call `invoice_status_changed` and `flux_state_changed` themselves, inside the
transaction of the change (no Django signal fires on a model save). An app above `invoices` (the
API's event feed) registers its listener once, in its `AppConfig.ready`; `invoices` never imports
that app, so dependencies keep pointing down.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from invoices.models import Flux, InvoiceEvent

InvoiceStatusListener = Callable[["InvoiceEvent"], None]
FluxStateListener = Callable[["Flux", str, str], None]

_invoice_status_listeners: list[InvoiceStatusListener] = []
_flux_state_listeners: list[FluxStateListener] = []


def on_invoice_status_change(listener: InvoiceStatusListener) -> None:
    """Call `listener(event)` for every history row that changes an invoice's status."""
    if listener not in _invoice_status_listeners:
        _invoice_status_listeners.append(listener)


def on_flux_state_change(listener: FluxStateListener) -> None:
    """Call `listener(flux, from_state, to_state)` when a flux is created or changes state."""
    if listener not in _flux_state_listeners:
        _flux_state_listeners.append(listener)


def invoice_status_changed(*, event: "InvoiceEvent") -> None:
    if not event.to_status or event.from_status == event.to_status:
        return
    for listener in _invoice_status_listeners:
        listener(event)


def flux_state_changed(*, flux: "Flux", from_state: str, to_state: str) -> None:
    if from_state == to_state:
        return
    for listener in _flux_state_listeners:
        listener(flux, from_state, to_state)
