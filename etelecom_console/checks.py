from django.conf import settings
from django.core.checks import Error, Tags, register


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
