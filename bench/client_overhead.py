"""What `etelecom.Client` costs over a bare `requests.Session().post`: 2,000 `Shop/CurrentShop` calls each
against the sandbox, interleaved in rounds so both sides see the same machine. Goal: under 10% overhead.

    python bench/client_overhead.py [--calls 2000]
"""

import argparse
import time

import requests
from _common import report, sandbox_process

from etelecom.client import Client
from etelecom.shop import current_shop


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    with sandbox_process("--dataset", "demo") as control:
        shop_key = next(s["shop_key"] for s in control.shops() if s["shop_key"])
        base = f"{control.url}/v1/partner"
        client = Client(base, shop_key)
        session = requests.Session()
        url = f"{base}.Shop/CurrentShop"
        headers = {"Authorization": f"Bearer {shop_key}"}

        def through_client(n):
            for _ in range(n):
                current_shop(client)

        def bare(n):
            for _ in range(n):
                response = session.post(url, json={}, headers=headers, timeout=(5, 30))
                response.raise_for_status()
                response.json()

        through_client(100)  # warm both connections up
        bare(100)
        per_round = args.calls // args.rounds
        client_s = bare_s = 0.0
        for _ in range(args.rounds):
            started = time.perf_counter()
            through_client(per_round)
            client_s += time.perf_counter() - started
            started = time.perf_counter()
            bare(per_round)
            bare_s += time.perf_counter() - started
        received = control.received("Shop/CurrentShop")

    calls = per_round * args.rounds
    report(
        "client_overhead",
        calls=calls,
        client_calls_per_s=round(calls / client_s, 1),
        bare_calls_per_s=round(calls / bare_s, 1),
        ratio=round(client_s / bare_s, 3),
        overhead_pct=round((client_s / bare_s - 1) * 100, 1),
        goal_overhead_pct=10,
        sandbox_received=received,
    )


if __name__ == "__main__":
    main()
