"""`{% load cdar %}` then `{{ invoice.status|cdar_code }}` → « 208 Suspendue » (or "")."""

from django import template

from invoices.cdar import cdar_label

register = template.Library()


@register.filter
def cdar_code(status) -> str:
    return cdar_label(status or "")
