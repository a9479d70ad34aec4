"""What happens in the sandbox after a while: a customer answers a consent request, a ZNS reaches a phone.

One thread and a heap, however many events are due (a bulk send schedules thousands). A reset drops them all.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger("etelecom.sandbox")


class Later:
    def __init__(self):
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sandbox-later")
        self._thread.start()

    def at(self, delay: float, action: Callable[[], None]) -> None:
        with self._wake:
            heapq.heappush(self._heap, (time.monotonic() + max(delay, 0.0), next(self._order), action))
            self._wake.notify()

    def clear(self) -> None:
        with self._wake:
            self._heap.clear()

    def pending(self) -> int:
        with self._wake:
            return len(self._heap)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._wake.wait(timeout=self._heap[0][0] - time.monotonic() if self._heap else None)
                _due, _order, action = heapq.heappop(self._heap)
            try:
                action()
            except Exception:  # one broken event must not stop the others
                logger.exception("sandbox event failed")
