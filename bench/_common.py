"""Shared by the benchmarks: a sandbox in its own process (so it does not share our GIL) and JSON output."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etelecom.sandbox.control import SandboxControl, free_port  # noqa: E402


@contextlib.contextmanager
def sandbox_process(*args: str) -> Iterator[SandboxControl]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "etelecom.sandbox", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        control = SandboxControl(f"http://127.0.0.1:{port}")
        control.wait_ready()
        yield control
    finally:
        process.terminate()
        process.wait(timeout=10)


def report(name: str, **figures) -> None:
    print(json.dumps({"name": name, **figures}), flush=True)
