"""`python -m etelecom.sandbox --port 8100 [--dataset demo] [--seed 0] [--fault-5xx 0.1 ...]`"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from .faults import KINDS
from .server import SandboxApp, SandboxServer
from .state import DEMO_PARTNER_KEY


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etelecom.sandbox", description="Local eTelecom API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--dataset", default="demo", help="empty, demo or generated")
    parser.add_argument("--shops", type=int, help="number of shops for --dataset generated")
    parser.add_argument("--history-days", type=int, help="days of ZNS and consent history for --dataset demo")
    parser.add_argument("--seed", type=int, default=0, help="seed for generated data and for faults")
    for kind in KINDS:
        parser.add_argument(f"--fault-{kind}", type=float, default=0.0, metavar="RATE", help=f"rate of {kind} faults")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every API call")
    parser.add_argument("--retry-after", type=float, default=1.0, help="Retry-After of injected 429s")
    parser.add_argument("--hang-seconds", type=float, default=10.0, help="length of injected hangs")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="sandbox: %(message)s")
    given = {"shops": args.shops, "history_days": args.history_days}
    params = {name: value for name, value in given.items() if value is not None}
    try:
        app = SandboxApp(dataset=args.dataset, params=params, seed=args.seed)
        rates = {kind: getattr(args, f"fault_{kind}") for kind in KINDS if getattr(args, f"fault_{kind}")}
        app.faults.update(
            {
                "rates": rates,
                "latency_ms": args.latency_ms,
                "retry_after": args.retry_after,
                "hang_seconds": args.hang_seconds,
                "seed": args.seed,
            }
        )
    except ValueError as exc:
        parser.error(str(exc))
    server = SandboxServer((args.host, args.port), app)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    print(f"eTelecom sandbox on http://{host}:{port} (data set {args.dataset}); partner key {DEMO_PARTNER_KEY}")
    print(f"  shop base URL    http://{host}:{port}/v1/shop", flush=True)
    print(f"  partner base URL http://{host}:{port}/v1/partner", flush=True)
    print(f"  SMS base URL     http://{host}:{port}/omni/api", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
