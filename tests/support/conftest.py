from tests.invoices.conftest import invoice_in, recipient, recipient_user, supplier, supplier_user

__all__ = ["invoice_in", "recipient", "recipient_user", "supplier", "supplier_user"]
