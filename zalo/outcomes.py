"""What an eTelecom call's failure means to the zalo app's actions besides a refusal (`shops.errors.Refused`): an
ambiguous answer settled by reading back, never by writing again; and where a sync starts."""

from __future__ import annotations

from datetime import timedelta

from etelecom import (
    ConnectionFailed,
    InvalidResponse,
    RequestTimeout,
    ResponseError,
    ServerError,
)
from shops.models import Shop, SyncRun

# Errors after which eTelecom may or may not have done a write: settled by reading back, never by writing again.
# A 200 carrying an error code is one of them: eTelecom answered after the write may have happened.
AMBIGUOUS = (RequestTimeout, ServerError, ConnectionFailed, InvalidResponse, ResponseError)
# A send still unconfirmed this long after it was made, and not found by reading back, was not sent.
UNCONFIRMED_AFTER = timedelta(minutes=30)
# eTelecom's clock against ours, when a request is looked for among those made since we sent it.
CLOCK_SKEW = timedelta(minutes=2)


def since_last_complete(shop: Shop, kind: str, overlap: timedelta):
    """The start of the last complete run of `kind` for the shop, less `overlap`; None before the first."""
    last = (
        SyncRun.objects.filter(shop=shop, kind=kind, status=SyncRun.Status.SUCCEEDED)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return last - overlap if last else None
