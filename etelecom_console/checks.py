from django.conf import settings
from django.core.checks import Error, Tags, register

from etelecom.client import check_base_url


@register(Tags.security, deploy=True)
def check_field_encryption_keys(app_configs, **kwargs):
    """Stored credentials must not be encrypted with the key derived from SECRET_KEY for development."""
    if settings.FIELD_ENCRYPTION_KEYS_FROM_ENV:
        return []
    return [
        Error(
            "FIELD_ENCRYPTION_KEYS is not set.",
            hint="Generate one with `python manage.py init_env --print-key` and set FIELD_ENCRYPTION_KEYS.",
            id="console.E001",
        )
    ]


@register()
def check_etelecom_base_urls(app_configs, **kwargs):
    """Each base URL names its side (`/v1/shop`, `/v1/partner`): the console says so at start-up, not at the first
    call a person makes."""
    errors = []
    for name, side in (("ETELECOM_SHOP_BASE_URL", "shop"), ("ETELECOM_PARTNER_BASE_URL", "partner")):
        value = getattr(settings, name)
        try:
            check_base_url(value)
        except ValueError as exc:
            errors.append(Error(str(exc), hint=f"Set {name} to …/v1/{side}.", id="console.E002"))
            continue
        if not value.rstrip("/.").endswith(f"/v1/{side}"):
            errors.append(Error(f"{name} must end in /v1/{side}.", id="console.E003"))
    return errors
