"""The one place the console builds `etelecom.Client`s from settings."""

from django.conf import settings

from etelecom import Client


def partner_client(**kwargs) -> Client:
    """A client for partner-wide calls (`Shop/AuthorizeShop`, `Shop/GetShops`, ...) with the partner's own key."""
    return Client(
        settings.ETELECOM_PARTNER_BASE_URL,
        settings.ETELECOM_PARTNER_API_KEY,
        timeout=settings.ETELECOM_TIMEOUT,
        max_retries=settings.ETELECOM_MAX_RETRIES,
        **kwargs,
    )
