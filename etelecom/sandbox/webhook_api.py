"""Sandbox handlers for webhook registration. Webhooks belong to whoever registered them: the partner (its own
key) or a shop (its api_key or shop_key)."""

from __future__ import annotations

from urllib.parse import urlsplit

from .api import ANY, ApiError, Call, api, invalid
from .state import iso

ENTITIES = ("call_log", "zl_oa_message")


def registered_urls(state, shop_id: str, entity: str) -> list[str]:
    """The URLs registered for `entity` by the shop (its key) or by a partner it is linked to; under the lock."""
    owners = {f"shop:{shop_id}"} | {f"partner:{p.id}" for p in state.partners.values() if shop_id in p.links}
    return [hook["url"] for owner in owners for hook in state.webhooks.get(owner, []) if entity in hook["entities"]]


def _owner(call: Call) -> str:
    return f"shop:{call.shop.id}" if call.shop is not None else f"partner:{call.partner.id}"


@api("Webhook/CreateWebhook", scope=ANY, fields={"url": str, "entities": list}, required=("url", "entities"))
def create_webhook(call: Call) -> dict:
    url, entities = call.payload["url"], call.payload["entities"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("url must be an absolute http(s) URL", field="url")
    unknown = [e for e in entities if e not in ENTITIES]
    if unknown or not all(isinstance(e, str) for e in entities):
        raise invalid(f"entities takes {', '.join(ENTITIES)}", field="entities")
    state = call.state
    with state.lock:
        webhook = {
            "id": state.new_id(),
            "url": url,
            "entities": list(dict.fromkeys(entities)),
            "fields": [],
            "metadata": "",
            "created_at": iso(state.now()),
            "states": {"state": "ok", "last_sent_at": None, "last_error": None},
        }
        state.webhooks.setdefault(_owner(call), []).append(webhook)
        return webhook


@api("Webhook/GetWebhooks", scope=ANY)
def get_webhooks(call: Call) -> dict:
    with call.state.lock:
        return {"webhooks": list(call.state.webhooks.get(_owner(call), []))}


@api("Webhook/DeleteWebhook", scope=ANY, fields={"id": str}, required=("id",))
def delete_webhook(call: Call) -> dict:
    with call.state.lock:
        hooks = call.state.webhooks.get(_owner(call), [])
        remaining = [hook for hook in hooks if hook["id"] != call.payload["id"]]
        if len(remaining) == len(hooks):
            raise ApiError(404, "not_found", f"no webhook {call.payload['id']}")
        call.state.webhooks[_owner(call)] = remaining
        return {"webhooks": remaining}
