from django import template

register = template.Library()


@register.simple_tag
def relabel(form, field_name: str, label: str) -> str:
    """Give a field of an allauth form our own label (allauth's French says « Courriel »)."""
    if form is not None and field_name in form.fields:
        form.fields[field_name].label = label
        form._bound_fields_cache.pop(field_name, None)
    return ""


@register.simple_tag
def activation_link_used(key: str) -> bool:
    """True when an activation link (allauth HMAC key) is genuine but its address is already
    verified: « déjà activé », not « expiré » (issue 18)."""
    from allauth.account import app_settings
    from allauth.account.models import EmailAddress
    from django.core import signing

    try:
        pk = signing.loads(key or "", salt=app_settings.SALT)
    except signing.BadSignature:
        return False
    return EmailAddress.objects.filter(pk=pk, verified=True).exists()
