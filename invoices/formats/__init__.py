"""Structured invoices (Factur-X, CII, UBL): detection, parsing, mapping, validation, writing.

One place for the format code, used by the portal, the API and the flux intake (standards.md).
"""
