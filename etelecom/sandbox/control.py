"""A client for the sandbox's own control endpoints (`/_sandbox/...`), for tests, the demo and benchmarks."""

from __future__ import annotations

import socket
import time

import requests


def free_port(host: str = "127.0.0.1") -> int:
    """A loopback port nothing listens on right now, for a sandbox process."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class SandboxControl:
    def __init__(self, url: str, *, session: requests.Session | None = None):
        self.url = url.rstrip("/")
        self.session = session or requests.Session()

    def _request(self, method: str, path: str, payload: dict | None = None) -> dict:
        response = self.session.request(method, f"{self.url}/_sandbox/{path}", json=payload, timeout=(2, 30))
        if response.status_code >= 400:
            raise ValueError(f"sandbox {path}: {response.json().get('error', response.text)}")
        return response.json()

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._request("GET", "health")
                return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def reset(self, dataset: str = "demo", *, seed: int = 0, **params) -> dict:
        return self._request("POST", "reset", {"dataset": dataset, "seed": seed, "params": params})

    def faults(self, **config) -> dict:
        """Replace the fault configuration; `faults()` turns every fault off."""
        return self._request("POST", "faults", config)

    def requests(self) -> dict:
        return self._request("GET", "requests")

    def clear_requests(self) -> None:
        self._request("DELETE", "requests")

    def received(self, method: str) -> int:
        """How many `Service/Method` requests reached the sandbox since the last reset or clear."""
        return self.requests()["methods"].get(method, 0)

    def quirks(self, *, alt_spellings: bool) -> dict:
        return self._request("POST", "quirks", {"alt_spellings": alt_spellings})

    def shops(self) -> list[dict]:
        return self._request("GET", "shops")["shops"]

    def oas(self) -> list[dict]:
        """Every OA of every shop, with all fields (sandbox only)."""
        return self._request("GET", "oas")["oas"]

    def update_oa(self, oa_id: str, **changes) -> dict:
        """Move an OA's quota, quality, status, `expires_in_days`, ... as time would."""
        return self._request("POST", f"oas/{oa_id}", changes)

    def remove_oa(self, oa_id: str) -> None:
        self._request("POST", f"oas/{oa_id}/remove")

    def deliveries(self) -> list[dict]:
        """Webhook events the sandbox posted so far, with the answer each got."""
        return self._request("GET", "deliveries")["deliveries"]

    def posted(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """The events of `kind` (Zalo's `event_name` or eTelecom's `entity`) the sandbox posted, as posted; waits up
        to `timeout` seconds for `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            events = [delivery["event"] for delivery in self.deliveries() if delivery["kind"] == kind]
            if len(events) >= count or time.monotonic() > deadline:
                return events
            time.sleep(0.02)

    def emit(self, shop_id: str, entity: str, data: dict) -> list[str]:
        """Post `data` to the webhooks registered for `entity` (`call_log`, `zl_oa_message`) in eTelecom's envelope;
        returns the event ids."""
        return self._request("POST", "webhooks/emit", {"shop_id": shop_id, "entity": entity, "data": data})["sent"]

    def oa_event(self, oa_id: str, event_name: str, **fields) -> dict:
        """A Zalo event of the OA posted to its webhook URL: `follow`/`unfollow` and `user_send_text`/
        `oa_send_text` (`zl_user_id=`, `text=`), `user_submit_info` (`zl_user_id=`, `info={"phone": ...}`: the
        answer to RequestUserInfo), `event_journey_acknowledged`/`event_journey_time_out`
        (`journey_id=`). Returns the event as posted."""
        return self._request("POST", f"oas/{oa_id}/events", {"event_name": event_name, **fields})["event"]

    def oa_messages(self, oa_id: str) -> list[dict]:
        """The consulting and transaction messages the OA sent (sandbox only)."""
        return self._request("GET", f"oas/{oa_id}/messages")["messages"]

    def interacted(self, oa_id: str, zl_user_id: str, *, hours_ago: float = 0) -> dict:
        """Set when the user last interacted with the OA (`hours_ago` > 48 closes the consulting window); the free
        replies start again. Returns every interaction of the OA."""
        return self._request("POST", f"oas/{oa_id}/interactions", {"zl_user_id": zl_user_id, "hours_ago": hours_ago})

    def sms(self, *, status_seconds: float | None = None) -> dict:
        """SMS Brandname accounts (username, password, shop_id, quota, allowed_ips, channels, templates), messages
        and timing; `status_seconds=` sets how long each channel takes to deliver or fail."""
        if status_seconds is None:
            return self._request("GET", "sms")
        return self._request("POST", "sms", {"status_seconds": status_seconds})

    def sms_account(self, shop_id: str) -> dict:
        """The SMS Brandname account of a shop (its `username` and `password` for `etelecom.sms.SmsClient`)."""
        return next(account for account in self.sms()["accounts"] if account["shop_id"] == shop_id)

    def update_sms_account(self, username: str, **changes) -> dict:
        """Change an SMS account: `password=`, `quota=`, `allowed_ips=[...]` (loopback is allowed by default),
        `channels=["1", "3"]`, `templates=[{"code", "text", "params": {name: pattern}, "routes": [...]}]`."""
        return self._request("POST", f"sms/accounts/{username}", changes)

    def settle_sms(self, *ids: str) -> list[dict]:
        """Play every channel step of these (or all) PROCESSING SMS messages now; returns them as the control API
        shows them (with `fallbacks`)."""
        return self._request("POST", "sms/settle", {"ids": list(ids)} if ids else {})["messages"]

    def set_sms_status(self, id_omni_mess: str, status: str, error_code: str = "") -> dict:
        """Force an SMS message's status (`SUCCESS`, `FAIL` or back to `PROCESSING`)."""
        return self._request("POST", f"sms/messages/{id_omni_mess}", {"status": status, "errorCode": error_code})

    def zns(self, **timing) -> dict:
        """Every consent and message (sandbox only); `consent_reply_seconds=`, `delivery_seconds=` set how long
        customers and phones take."""
        return self._request("POST" if timing else "GET", "zns", timing or None)

    def pbx(self) -> dict:
        """Every tenant, hotline, PBX user and extension (sandbox only)."""
        return self._request("GET", "pbx")

    def call_count(self, shop_id: str) -> int:
        return self._request("GET", f"calls/{shop_id}")["count"]

    def set_call_history(self, shop_id: str, calls: int, *, days: int = 365) -> int:
        """Replace a shop's calls with `calls` generated ones over the last `days` days."""
        return self._request("POST", f"calls/{shop_id}", {"history": calls, "days": days})["count"]

    def add_calls(self, shop_id: str, count: int) -> list[str]:
        """`count` new calls starting now, each posted to the shop's `call_log` webhooks; returns their ids."""
        return self._request("POST", f"calls/{shop_id}", {"add": count})["added"]

    def shop_action(self, shop_id: str, action: str) -> None:
        """`revoke` (keys answer 401 from now on), `unlink` (from the partner) or `block`."""
        self._request("POST", f"shops/{shop_id}/{action}")
