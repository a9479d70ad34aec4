import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

from etelecom.client import check_base_url
from etelecom.sandbox import DEMO_PARTNER_KEY


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


def on_this_machine(url: str) -> bool:
    """Whether `url` names this machine (localhost, 127.0.0.0/8, ::1, 0.0.0.0) or no host at all."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return True
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(Tags.security, deploy=True)
def check_demo_defaults(app_configs, **kwargs):
    """The demo's defaults (the sandbox's partner key, the sandbox on this machine, a console on loopback) run the
    local demo; in production they would send nothing to eTelecom and give eTelecom addresses it cannot reach."""
    errors = []
    if settings.ETELECOM_PARTNER_API_KEY in ("", DEMO_PARTNER_KEY):
        errors.append(
            Error(
                "ETELECOM_PARTNER_API_KEY is the local sandbox's demo key (or empty).",
                hint="Set ETELECOM_PARTNER_API_KEY to the partner api_key eTelecom issued.",
                id="console.E004",
            )
        )
    for name, address in (
        ("ETELECOM_SHOP_BASE_URL", "https://api.etelecom.vn/v1/shop"),
        ("ETELECOM_PARTNER_BASE_URL", "https://api.etelecom.vn/v1/partner"),
        ("ETELECOM_SMS_BASE_URL", "https://omni.incom.vn/api"),
    ):
        if on_this_machine(getattr(settings, name)):
            errors.append(
                Error(
                    f"{name} points at this machine ({getattr(settings, name)}): the local sandbox, not eTelecom.",
                    hint=f"Set {name} to eTelecom's address ({address}).",
                    id="console.E005",
                )
            )
    if on_this_machine(settings.CONSOLE_URL):
        errors.append(
            Error(
                f"CONSOLE_URL is an address on this machine ({settings.CONSOLE_URL}).",
                hint="Set CONSOLE_URL to the console's public address (https://console.partner.vn): eTelecom sends "
                "webhooks there and browsers come back to it from eTelecom's and Zalo's login pages.",
                id="console.E006",
            )
        )
    return errors
