"""What `etelecom.Client` costs over a bare `requests.Session().post`: 2,000 `Shop/CurrentShop` calls each
against the sandbox, interleaved in ABBA rounds so both sides see the same machine. Goal: under 10% overhead.
Also measured, for its CPU: the same call made bare through urllib3, which the client sends with since stop 13.

    python bench/client_overhead.py [--calls 2000]
"""

import argparse
import json
import statistics
import time

import requests
import urllib3
from _common import report, sandbox_process

from etelecom.client import Client
from etelecom.shop import current_shop


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    with sandbox_process("--dataset", "demo") as control:
        shop_key = next(s["shop_key"] for s in control.shops() if s["shop_key"])
        base = f"{control.url}/v1/partner"
        client = Client(base, shop_key)
        session = requests.Session()
        session.trust_env = False  # the bare side without per-request environment lookups, as the client does
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

        pool = urllib3.PoolManager()

        def bare_urllib3(n):
            for _ in range(n):
                response = pool.urlopen(
                    "POST", url, body=b"{}", headers={**headers, "Content-Type": "application/json"}, timeout=30
                )
                assert response.status == 200
                json.loads(response.data)

        for side in (through_client, bare, bare_urllib3):
            side(100)  # warm the connections up
        # ABBA rounds: each side runs first in half the rounds, so drift and warm-up favour neither; the
        # median of the per-round ratios ignores a round that another process on the machine disturbed.
        per_round = args.calls // args.rounds
        client_s = bare_s = 0.0
        cpu = {through_client: 0.0, bare: 0.0, bare_urllib3: 0.0}
        ratios = []
        for index in range(args.rounds):
            sides = [through_client, bare] if index % 2 == 0 else [bare, through_client]
            sides.append(bare_urllib3)  # timed for its CPU only, after the pair
            elapsed = {}
            for side in sides:
                started, cpu_started = time.perf_counter(), time.process_time()
                side(per_round)
                elapsed[side] = time.perf_counter() - started
                cpu[side] += time.process_time() - cpu_started
            client_s += elapsed[through_client]
            bare_s += elapsed[bare]
            ratios.append(elapsed[through_client] / elapsed[bare])
        received = control.received("Shop/CurrentShop")

    calls = per_round * args.rounds
    report(
        "client_overhead",
        calls=calls,
        client_calls_per_s=round(calls / client_s, 1),
        bare_calls_per_s=round(calls / bare_s, 1),
        ratio=round(statistics.median(ratios), 3),
        overhead_pct=round((statistics.median(ratios) - 1) * 100, 1),
        ratio_of_totals=round(client_s / bare_s, 3),
        # CPU time of this process per call: what the client itself costs, free of the server's scheduling.
        client_cpu_us_per_call=round(cpu[through_client] / calls * 1e6, 1),
        bare_cpu_us_per_call=round(cpu[bare] / calls * 1e6, 1),
        bare_urllib3_cpu_us_per_call=round(cpu[bare_urllib3] / calls * 1e6, 1),
        goal_overhead_pct=10,
        sandbox_received=received,
    )


if __name__ == "__main__":
    main()
