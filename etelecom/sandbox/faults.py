"""Fault injection: what can go wrong between the console and eTelecom, at a rate or scripted, under a seed.

Kinds: `5xx` (an eTelecom server error), `429` (rate limited, with `Retry-After`), `hang` (no answer before the
client's timeout), `malformed` (a 200 with a truncated body), `error200` (a 200 whose body is an error).
A scripted queue may hold `ok` for a call that goes through, to place a fault at the n-th call.
`phase` says whether the call takes effect before the fault (`after`: the write happened, the answer was lost)
or not (`before`, the default).
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field

KINDS = ("5xx", "429", "hang", "malformed", "error200")
PHASES = ("before", "after")


@dataclass
class FaultConfig:
    rates: dict[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    retry_after: float = 1.0
    hang_seconds: float = 10.0
    phase: str = "before"
    methods: list[str] = field(default_factory=list)
    seed: int = 0

    @classmethod
    def from_json(cls, data: dict) -> FaultConfig:
        """Validate a control request; raises ValueError with a reason."""
        if not isinstance(data, dict):
            raise ValueError("the fault configuration must be a JSON object")
        unknown = set(data) - {"rates", "latency_ms", "retry_after", "hang_seconds", "phase", "methods", "seed", "next"}
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        rates = data.get("rates", {})
        if not isinstance(rates, dict) or any(k not in KINDS for k in rates):
            raise ValueError(f"rates takes the kinds {', '.join(KINDS)}")
        if any(not isinstance(v, int | float) or not 0 <= v <= 1 for v in rates.values()):
            raise ValueError("each rate is a number from 0 to 1")
        if sum(rates.values()) > 1:
            raise ValueError("the rates add up to more than 1")
        phase = data.get("phase", "before")
        if phase not in PHASES:
            raise ValueError("phase is 'before' or 'after'")
        methods = data.get("methods", [])
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise ValueError("methods is a list of 'Service/Method' names")
        numbers = {}
        for name, default in (("latency_ms", 0.0), ("retry_after", 1.0), ("hang_seconds", 10.0)):
            value = data.get(name, default)
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} is a number of at least 0")
            numbers[name] = float(value)
        seed = data.get("seed", 0)
        if not isinstance(seed, int):
            raise ValueError("seed is an integer")
        return cls(rates={k: float(v) for k, v in rates.items()}, phase=phase, methods=methods, seed=seed, **numbers)

    def to_json(self) -> dict:
        return {
            "rates": self.rates,
            "latency_ms": self.latency_ms,
            "retry_after": self.retry_after,
            "hang_seconds": self.hang_seconds,
            "phase": self.phase,
            "methods": self.methods,
            "seed": self.seed,
        }


class Faults:
    """Decides, request by request, which fault (if any) hits it. Sequential requests get the same faults for
    the same seed; a scripted queue (`next`) is consumed before the rates are drawn."""

    def __init__(self, config: FaultConfig | None = None):
        self._lock = threading.Lock()
        self.configure(config or FaultConfig(), [])

    def configure(self, config: FaultConfig, scripted: list[str]) -> None:
        if any(kind not in (*KINDS, "ok") for kind in scripted):
            raise ValueError(f"next takes the kinds {', '.join(KINDS)} and ok")
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._scripted = deque(scripted)

    def update(self, data: dict) -> None:
        scripted = data.get("next", []) if isinstance(data, dict) else []
        if not isinstance(scripted, list):
            raise ValueError("next is a list of fault kinds")
        self.configure(FaultConfig.from_json(data), scripted)

    def draw(self, method: str) -> str | None:
        config = self.config
        if config.methods and method not in config.methods:
            return None
        with self._lock:
            if self._scripted:
                kind = self._scripted.popleft()
                return None if kind == "ok" else kind
            if not config.rates:
                return None
            roll = self._rng.random()
        for kind in KINDS:
            rate = config.rates.get(kind, 0.0)
            if roll < rate:
                return kind
            roll -= rate
        return None
