"""The sandbox posting webhook events, as eTelecom would: in the background, each delivery recorded.

eTelecom documents no payload format; the sandbox sends `{"id", "entity", "type", "shop_id", "created_at", "data"}`,
the shape the console reads (shops/webhooks.py).
"""

from __future__ import annotations

import threading
import uuid
from collections import deque

import requests


class Deliveries:
    def __init__(self, keep: int = 1000):
        self._lock = threading.Lock()
        self.log: deque[dict] = deque(maxlen=keep)

    def post(self, url: str, *, entity: str, type: str, shop_id: str, created_at: str, data: dict) -> str:
        event = {
            "id": uuid.uuid4().hex,
            "entity": entity,
            "type": type,
            "shop_id": shop_id,
            "created_at": created_at,
            "data": data,
        }
        threading.Thread(target=self._send, args=(url, event), daemon=True).start()
        return event["id"]

    def _send(self, url: str, event: dict) -> None:
        record = {"id": event["id"], "url": url, "entity": event["entity"]}
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
