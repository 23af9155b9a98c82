"""Received invoices (`/factures-recues/`): the recipient's list, filters, detail and actions.

The actions go through the one registry of recipient actions (`invoices.services.recipient`)."""
