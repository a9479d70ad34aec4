from django.conf import settings


def client_ip(request) -> str:
    """The client's address for login throttling: behind TRUSTED_PROXY_COUNT proxies, the entry the outermost
    trusted proxy appended to X-Forwarded-For (earlier entries are the client's to forge); else REMOTE_ADDR."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
