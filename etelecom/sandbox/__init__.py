"""A local emulator of the eTelecom API, for the demo, the tests and the benchmarks.

    python -m etelecom.sandbox --port 8100

or, in Python, `with Sandbox() as sandbox: Client(sandbox.partner_base_url, DEMO_PARTNER_KEY)...`
"""

from __future__ import annotations

import threading

from .server import SandboxApp, SandboxServer
from .state import DEMO_PARTNER_KEY

__all__ = ["DEMO_PARTNER_KEY", "Sandbox", "SandboxApp"]


class Sandbox:
    """The sandbox served from a background thread on a loopback port (port 0 picks a free one)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, dataset: str = "demo", seed: int = 0):
        self.app = SandboxApp(dataset=dataset, seed=seed)
        self.server = SandboxServer((host, port), self.app)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def shop_base_url(self) -> str:
        return f"{self.url}/v1/shop"

    @property
    def partner_base_url(self) -> str:
        return f"{self.url}/v1/partner"

    @property
    def sms_base_url(self) -> str:
        """The SMS Brandname gateway's base URL (`etelecom.sms.SmsClient`)."""
        return f"{self.url}/omni/api"

    def start(self) -> Sandbox:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
