from django import template

register = template.Library()


@register.simple_tag
def relabel(form, field_name: str, label: str) -> str:
    """Give a field of an allauth form our own label (allauth's French says « Courriel »)."""
    if form is not None and field_name in form.fields:
        form.fields[field_name].label = label
        form._bound_fields_cache.pop(field_name, None)
    return ""
