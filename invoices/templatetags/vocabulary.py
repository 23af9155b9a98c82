"""`{{ event.action|action_label }}`, `{{ code|reason_label }}`: French labels, never raw keys."""

from django import template

from invoices import vocabulary

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return vocabulary.action_label(code or "")


@register.filter
def reason_label(code: str) -> str:
    return vocabulary.reason_label(code or "")
