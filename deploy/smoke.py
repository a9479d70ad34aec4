"""The production shape, started for real and used over HTTP: gunicorn with gunicorn.conf.py, two django-q2
clusters on Redis, PostgreSQL, and the eTelecom sandbox. Then, as a person would: sign in (password, then an
authenticator enrolled on the way), add a shop while eTelecom hangs (the page answers with the readable message
within the request's budget), connect a shop with its key, import the partner's shops through the clusters, kill
one cluster (the console stays ready on the other), and export 2,000,000 calls to the last row. Everything started
here is stopped at the end.

    python deploy/smoke.py --database-url postgres://postgres@127.0.0.1:5432/smoke --redis-url redis://127.0.0.1:6379/14

The database is dropped and created anew, and the Redis database flushed: give it ones of its own. CI runs it in
its PostgreSQL + Redis leg (.ci/run). Prints one JSON line of figures; exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from base64 import b32decode
from binascii import unhexlify
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etelecom.sandbox.control import SandboxControl  # noqa: E402 (after the path)

PYTHON = sys.executable
USERNAME, PASSWORD = "smoke-admin", "Khói-thử-" + secrets.token_urlsafe(12)
# Seconds the eTelecom calls of one page may take (ETELECOM_REQUEST_BUDGET), short here to keep the run short.
BUDGET = 4


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def step(text: str) -> None:
    print(f"smoke: {text}", file=sys.stderr, flush=True)


def wait_for(what: str, check, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except (requests.RequestException, OSError):
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise SystemExit(f"smoke: {what} did not happen within {timeout:.0f} s")
        time.sleep(interval)


def fresh_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"smoke: database name {name!r} must be letters, digits and underscores")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


class Processes:
    """Children in sessions of their own, stopped by SIGTERM to their main process (then SIGKILL)."""

    def __init__(self, logs: Path, env: dict):
        self.logs, self.env, self.children, self.killed = logs, env, [], set()

    def start(self, name: str, *command: str) -> subprocess.Popen:
        out = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        child = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.children.append((name, child, out))
        return child

    def kill(self, name: str) -> None:
        """SIGKILL a child and its own children, as a node that dies."""
        child = next(child for known, child, _out in self.children if known == name)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        self.killed.add(name)

    def check_alive(self) -> None:
        for name, child, _out in self.children:
            if name not in self.killed and child.poll() is not None:
                raise SystemExit(f"smoke: {name} exited with {child.returncode}; see {self.logs / name}.log")

    def stop(self) -> None:
        for _name, child, _out in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for _name, child, out in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
            out.close()

    def tails(self) -> None:
        for name, _child, _out in self.children:
            lines = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-15:]
            print(f"--- {name} (last lines)", *lines, sep="\n", file=sys.stderr)


class Browser:
    """A requests session that behaves like a browser on the admin: CSRF token, forms, redirects."""

    def __init__(self, base: str):
        self.base, self.session = base, requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base + path, timeout=60, **kwargs)

    def post(self, path: str, data: dict) -> requests.Response:
        if "csrftoken" not in self.session.cookies:
            self.get("/admin/login/")
        data = {"csrfmiddlewaretoken": self.session.cookies["csrftoken"], **data}
        return self.session.post(self.base + path, data=data, timeout=60, headers={"Referer": self.base + path})


def totp(key_hex: str) -> str:
    from django_otp.oath import TOTP

    return f"{TOTP(unhexlify(key_hex)).token():06d}"


def sign_in(browser: Browser) -> None:
    page = browser.post("/admin/login/", {"username": USERNAME, "password": PASSWORD, "next": "/admin/"})
    if "/admin/otp/setup/" not in page.url:
        raise SystemExit(f"smoke: a new superuser should be asked to enrol, got {page.url}")
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', page.text)[1].replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8)).hex()
    codes = browser.post("/admin/otp/setup/", {"code": totp(key)})
    recovery = re.findall(r"<li><code>([0-9a-f]+)</code></li>", codes.text)
    if not codes.url.endswith("/admin/otp/codes/") or len(recovery) != 10:
        raise SystemExit(f"smoke: enrolment did not end on the recovery codes ({codes.url})")
    # Signed out and in again: the password, then a recovery code (the authenticator's code of this time step was
    # used to enrol, and each code signs in once).
    browser.session.cookies.clear()
    page = browser.post("/admin/login/", {"username": USERNAME, "password": PASSWORD, "next": "/admin/"})
    if "/admin/otp/verify/" not in page.url:
        raise SystemExit(f"smoke: an enrolled superuser should be asked for a code, got {page.url}")
    home = browser.post("/admin/otp/verify/", {"code": recovery[0], "next": "/admin/"})
    if not home.url.endswith("/admin/") or home.status_code != 200:
        raise SystemExit(f"smoke: the second step did not lead to the dashboard ({home.url} {home.status_code})")


def metric(base: str, token: str, name: str, labels: str = "") -> float:
    text = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30).text
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
    return float(match[1]) if match else 0.0


def seed_calls(env: dict, shop_name: str, count: int) -> None:
    """`count` calls of one shop, written by PostgreSQL itself from one prototype row: the export is under test
    here, not the ingest."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "etelecom_console.settings"
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from pbx.models import CallRecord
    from shops.models import Shop

    shop = Shop.objects.get(name=shop_name)
    now = timezone.now()
    prototype = CallRecord.objects.create(
        shop=shop,
        etelecom_id="smoke-0",
        direction="out",
        call_state="answered",
        caller="101",
        callee="0909000000",
        customer_number="0909000000",
        started_at=now,
        started_day=timezone.localdate(now),
    )
    fields = [f.column for f in CallRecord._meta.concrete_fields if not f.primary_key]
    chosen = {"etelecom_id": "'smoke-' || g", "started_at": "p.started_at - g * interval '1 second'"}
    columns = ", ".join(connection.ops.quote_name(column) for column in fields)
    values = ", ".join(chosen.get(column, f"p.{connection.ops.quote_name(column)}") for column in fields)
    table = connection.ops.quote_name(CallRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {values} FROM {table} p, generate_series(1, %s) g WHERE p.id = %s",
            [count - 1, prototype.pk],
        )
        cursor.execute(f"ANALYZE {table}")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--calls", type=int, default=2_000_000)
    args = parser.parse_args()
    started = time.monotonic()
    figures: dict = {}
    sandbox_port, web_port = free_port(), free_port()
    sandbox_url, base = f"http://127.0.0.1:{sandbox_port}", f"http://127.0.0.1:{web_port}"
    metrics_token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="smoke-") as tmp:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "False",
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(tmp / "static"),
            "ETELECOM_SHOP_BASE_URL": f"{sandbox_url}/v1/shop",
            "ETELECOM_PARTNER_BASE_URL": f"{sandbox_url}/v1/partner",
            "CONSOLE_URL": base,
            "METRICS_TOKEN": metrics_token,
            "LOG_FORMAT": "json",
            "GUNICORN_BIND": f"127.0.0.1:{web_port}",
            "WEB_CONCURRENCY": "2",
            "Q_WORKERS": "2",
            "ETELECOM_REQUEST_BUDGET": str(BUDGET),
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        }
        step("a fresh database and Redis database")
        fresh_database(args.database_url)
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        manage = [PYTHON, "manage.py"]
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["setup_schedules"],
            ["collectstatic", "--noinput", "-v0"],
            ["createsuperuser", "--noinput", "--username", USERNAME, "--email", "smoke@example.vn"],
        ):
            subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        processes = Processes(tmp, env)
        try:
            step("sandbox, gunicorn and two clusters")
            processes.start(
                "sandbox", PYTHON, "-m", "etelecom.sandbox", "--port", str(sandbox_port), "--dataset", "demo"
            )
            processes.start("web", PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "etelecom_console.wsgi")
            processes.start("qcluster-1", *manage, "qcluster")
            processes.start("qcluster-2", *manage, "qcluster")
            sandbox = SandboxControl(sandbox_url)
            sandbox.wait_ready(timeout=30)
            wait_for("gunicorn", lambda: requests.get(f"{base}/livez", timeout=2).ok, 60)
            ready = wait_for(
                "readiness with both clusters",
                lambda: (r := requests.get(f"{base}/readyz", timeout=10)).ok and r.json()["cluster"]["alive"] == 2,
                90,
            )
            figures["clusters_alive"] = 2 if ready else 0
            processes.check_alive()

            step("sign in: password, enrol an authenticator, sign in again with a recovery code")
            browser = Browser(base)
            sign_in(browser)

            step("a slow eTelecom: the page answers with the readable message within its budget")
            shops = [shop for shop in sandbox.shops() if shop.get("api_key")]
            sandbox.faults(rates={"hang": 1.0}, hang_seconds=BUDGET * 4)
            asked = time.monotonic()
            slow = browser.post("/admin/shops/shop/add/", {"api_key": shops[-1]["api_key"]})
            figures["slow_etelecom_s"] = round(time.monotonic() - asked, 1)
            sandbox.faults()
            readable = "eTelecom không phản hồi kịp" in slow.text or "eTelecom did not answer in time" in slow.text
            if slow.status_code != 200 or not readable or figures["slow_etelecom_s"] > BUDGET * 3:
                raise SystemExit(f"smoke: a slow eTelecom gave {slow.status_code} in {figures['slow_etelecom_s']} s")

            step("connect a shop with its own key")
            record = shops[0]
            added = browser.post("/admin/shops/shop/add/", {"api_key": record["api_key"]})
            if added.status_code != 200 or "/admin/shops/shop/add/" in added.url:
                raise SystemExit(f"smoke: adding the shop failed ({added.url})")

            step("import the partner's shops through the clusters")
            browser.post("/admin/shops/shop/import/", {})
            wait_for(
                "the import run to succeed",
                lambda: metric(
                    base,
                    metrics_token,
                    "etelecom_console_sync_runs_last_hour",
                    '{kind="shop_import",status="succeeded"}',
                ),
                120,
            )
            figures["api_calls"] = metric(
                base, metrics_token, "etelecom_console_api_calls_last_hour", '{method="Shop/CurrentShop"}'
            )

            step("a cluster killed: the other one keeps the console ready")
            processes.kill("qcluster-2")
            wait_for(
                "readiness with one cluster",
                lambda: (r := requests.get(f"{base}/readyz", timeout=10)).ok and r.json()["cluster"]["alive"] == 1,
                60,
            )

            step(f"seed {args.calls:,} calls")
            seeded = time.monotonic()
            seed_calls(env, record["name"], args.calls)
            figures["seed_s"] = round(time.monotonic() - seeded, 1)

            step("export every call, streamed through gunicorn")
            exported = time.monotonic()
            lines = 0
            with browser.get("/admin/pbx/callrecord/export/", stream=True) as response:
                response.raise_for_status()
                for chunk in response.iter_content(chunk_size=1 << 16):
                    lines += chunk.count(b"\n")
            rows = lines - 1  # the header
            figures["export_s"] = round(time.monotonic() - exported, 1)
            figures["exported_rows"] = rows
            if rows != args.calls:
                raise SystemExit(f"smoke: the export ended after {rows} of {args.calls} rows")
            processes.check_alive()

            logs = "".join((tmp / f"{name}.log").read_text(errors="replace") for name, _c, _o in processes.children)
            for secret in (record["api_key"], PASSWORD, metrics_token):
                if secret in logs:
                    raise SystemExit("smoke: a secret is in the logs")
            figures["seconds"] = round(time.monotonic() - started, 1)
            print(json.dumps({"smoke": "ok", **figures}))
        except BaseException:
            processes.tails()
            raise
        finally:
            step("stopping everything")
            processes.stop()


if __name__ == "__main__":
    main()
