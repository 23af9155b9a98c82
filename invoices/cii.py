"""Re-export: the CII writer lives in `invoices.formats.cii_writer`."""

from invoices.formats.cii_writer import NSMAP, build_cii, vat_category

__all__ = ["NSMAP", "build_cii", "vat_category"]
