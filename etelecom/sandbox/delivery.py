"""The sandbox posting webhook events, as eTelecom would: in the background, in order, one at a time, each delivery
recorded.

Two shapes, as the console reads them (etelecom/webhook.py). An OA's events go to the OA's webhook URL
(`Zalo/UpdateShopOA`) as Zalo makes them: `event_name`, `app_id`, the OA and the user, times in milliseconds as
strings, no id (`zalo_event`). The entities registered with `Webhook/CreateWebhook` (`call_log`, `zl_oa_message`)
go to the registered URLs in eTelecom's envelope `{"id", "entity", "shop_id", "created_at", "data"}` (`envelope`).
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections import deque
from datetime import datetime

import requests


def millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def zalo_event(name: str, *, oa, at: datetime, **fields) -> dict:
    """One of an OA's events in Zalo's shape; `fields` are the event's own (`oa_id`, `sender`, `phone`, ...)."""
    return {"app_id": oa.app_id, **fields, "event_name": name, "timestamp": millis(at)}


def envelope(entity: str, *, shop_id: str, created_at: str, data: dict) -> dict:
    return {"id": uuid.uuid4().hex, "entity": entity, "shop_id": shop_id, "created_at": created_at, "data": data}


class Deliveries:
    """One sender thread posts the events in the order they were made, as a webhook sender does: a ZNS delivery's
    Zalo event and its `zl_oa_message` record reach the console one after the other, not racing each other."""

    def __init__(self, keep: int = 1000):
        self._lock = threading.Lock()
        self.log: deque[dict] = deque(maxlen=keep)
        self._pending: queue.SimpleQueue[tuple[str, dict]] = queue.SimpleQueue()
        threading.Thread(target=self._run, daemon=True, name="sandbox-deliveries").start()

    def post(self, url: str, event: dict) -> None:
        self._pending.put((url, event))

    def _run(self) -> None:
        while True:
            self._send(*self._pending.get())

    def _send(self, url: str, event: dict) -> None:
        record = {"url": url, "kind": event.get("event_name") or event.get("entity"), "event": event}
        try:
            # One connection per delivery, closed after it: a kept-alive one would hold the receiver's worker.
            response = requests.post(url, json=event, headers={"Connection": "close"}, timeout=(2, 10))
            record["status"] = response.status_code
        except Exception as exc:  # a background sender records every failure; it never dies with a traceback
            record["error"] = type(exc).__name__
        with self._lock:
            self.log.append(record)

    def clear(self) -> None:
        with self._lock:
            self.log.clear()

    def to_json(self) -> list[dict]:
        with self._lock:
            return list(self.log)
