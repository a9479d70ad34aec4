"""Kill tests: SIGKILL real qcluster workers in the middle of a bulk ZNS send and of a call-history sync, start a
fresh cluster, and prove that the work finishes by itself: each row sent exactly once (counted at the sandbox), the
calls stored exactly, and the next scheduled runs happening without a person.

Nothing here is simulated. The sandbox runs in a process of its own; the console's side runs against a database of
its own (a SQLite file, or on the PostgreSQL leg a PostgreSQL database beside the test database, with the Redis
broker when REDIS_URL is set), in `manage.py qcluster` processes and in steps of this module run as
`python -m tests.security.test_kills <step> <json>`. The sandbox holds the chosen send and the chosen page open
(a `hang` fault, after the send took effect) so that the kill lands while a worker waits on eTelecom.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from etelecom.sandbox.control import SandboxControl, free_port

ROOT = Path(__file__).resolve().parents[2]
SHOP = "Nhà thuốc An Khang Quận 1"  # demo: an OA with ZNS templates, and a PBX tenant
ROWS = 150  # in the upload
KILLED_AT_SEND = 50  # the send the worker dies waiting on
CALLS = 30_000  # in the shop's history: a first pass of 30 pages, the first 20 stored before the fetcher starts
KILLED_AT_PAGE = 23  # the page the call sync's fetcher dies waiting on
HANG = 40  # seconds the sandbox holds the chosen call open; the client waits up to ETELECOM_READ_TIMEOUT
DEADLINE = 150  # seconds the fresh cluster gets to finish everything (its scheduler first wakes after 30)


# --- steps run in a subprocess, with Django set up against the kill test's database ----------------------------


def step_prepare(template_id: int) -> dict:
    """Migrate; import the partner's shops; sync the shop's OA, templates and PBX directory; check an upload."""
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from pbx import directory as pbx_directory
    from shops import services as shop_services
    from shops import syncing
    from shops.models import Shop
    from zalo import bulk
    from zalo import services as zalo_services
    from zalo.models import BulkJob, ZnsTemplate

    call_command("migrate", verbosity=0)
    syncing.run_now("shop_import", shop_services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    for kind, work in (
        ("oa_sync", zalo_services.oa_sync_work),
        ("template_sync", zalo_services.templates_sync_work),
        ("pbx_sync", pbx_directory.directory_sync_work),
    ):
        assert syncing.run_now(kind, work, shop=shop).status == "succeeded"
    template = ZnsTemplate.objects.get(oa__shop=shop, oa__name__endswith="Chăm sóc khách hàng", template_id=template_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["phone", "customer_name", "order_code"])
    writer.writerows((f"0913{n:06d}", f"Khách {n}", f"DH-{n}") for n in range(ROWS))
    upload = SimpleUploadedFile("kill.csv", buffer.getvalue().encode(), content_type="text/csv")
    job = BulkJob(kind="zns", oa=template.oa, template=template, file_name="kill.csv")
    bulk.bulk_check(job=job, upload=upload)
    return {"shop": shop.pk, "job": job.pk}


def step_start_call_sync(shop: int) -> dict:
    from django.db import transaction

    from shops import syncing
    from shops.models import Shop

    with transaction.atomic():
        run = syncing.enqueue("call_sync", shop=Shop.objects.get(pk=shop))
    return {"run": run.pk}


def step_start_bulk(job: int) -> dict:
    from zalo import bulk
    from zalo.models import BulkJob

    return {"run": bulk.bulk_start(job=BulkJob.objects.get(pk=job), user=None).pk}


def step_workers(runs: list[int]) -> dict:
    """The process of the worker running each run, once each is running."""
    from shops.models import SyncRun

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = dict(SyncRun.objects.filter(pk__in=runs, status="running").values_list("pk", "worker"))
        if len(found) == len(runs):
            return {str(pk): int(worker.rsplit(":", 1)[1]) for pk, worker in found.items()}
        time.sleep(0.2)
    raise AssertionError(f"the runs {runs} did not start")


def step_after_kill(job: int, shop: int) -> dict:
    """What the killed workers left; then the schedules a deploy declares for the reaper and the call sync, due now."""
    from django_q.models import Schedule

    from pbx.models import CallRecord
    from shops import jobs
    from zalo import bulk
    from zalo.models import BulkJob

    for spec in jobs.schedules():
        if spec["args"] in ("'reaper'", "'call_sync'"):
            Schedule.objects.create(repeats=-1, **spec)
    return {
        "job_status": BulkJob.objects.get(pk=job).status,
        "tally": bulk.counts(BulkJob.objects.get(pk=job)),
        "calls": CallRecord.objects.filter(shop_id=shop).count(),
    }


def step_wait(job: int, shop: int, killed: list[int]) -> dict:
    """Wait until the upload is done and a call sync after the killed one has ended; then report."""
    from django.db.models import Sum
    from django.utils.translation import gettext as _

    from pbx.models import CallDaily, CallRecord
    from shops.models import SyncRun
    from zalo import bulk
    from zalo.models import BulkJob

    deadline = time.monotonic() + DEADLINE
    later = SyncRun.objects.filter(shop_id=shop, pk__gt=max(killed))
    while time.monotonic() < deadline:
        upload_done = BulkJob.objects.get(pk=job).status == "done"
        calls_done = later.filter(kind="call_sync").exclude(status__in=["queued", "running"]).exists()
        if upload_done and calls_done:
            break
        time.sleep(0.5)
    runs = SyncRun.objects.filter(pk__in=killed) | later
    return {
        "abandoned": _("Abandoned: the worker stopped."),
        "job_status": BulkJob.objects.get(pk=job).status,
        "tally": bulk.counts(BulkJob.objects.get(pk=job)),
        "runs": list(runs.order_by("pk").values("pk", "kind", "status", "error", "counts", "triggered_by")),
        "calls": CallRecord.objects.filter(shop_id=shop).count(),
        "distinct_calls": CallRecord.objects.filter(shop_id=shop).values("etelecom_id").distinct().count(),
        "rollup_calls": CallDaily.objects.filter(shop_id=shop).aggregate(n=Sum("calls"))["n"],
    }


STEPS = {
    "prepare": step_prepare,
    "start_call_sync": step_start_call_sync,
    "start_bulk": step_start_bulk,
    "workers": step_workers,
    "after_kill": step_after_kill,
    "wait": step_wait,
}


# --- the test's side: the sandbox, the database, the clusters --------------------------------------------------


@contextmanager
def sandbox_process():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "etelecom.sandbox", "--port", str(port), "--dataset", "demo"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        control = SandboxControl(f"http://127.0.0.1:{port}")
        control.wait_ready()
        yield control
    finally:
        process.kill()
        process.wait()


@contextmanager
def kill_database(tmp_path):
    """A database for the console's processes: a SQLite file, or a PostgreSQL database beside the test database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'kills.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"test_{parts.path.lstrip('/')}_kills"
    server = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Console:
    """The console's processes against the kill test's database and the sandbox."""

    def __init__(self, database_url: str, sandbox_url: str):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "etelecom_console.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "kill-tests-" + uuid.uuid4().hex,
            "ETELECOM_SHOP_BASE_URL": f"{sandbox_url}/v1/shop",
            "ETELECOM_PARTNER_BASE_URL": f"{sandbox_url}/v1/partner",
            "ETELECOM_READ_TIMEOUT": str(HANG + 30),
            "Q_CLUSTER_NAME": f"kills-{uuid.uuid4().hex[:8]}",
            "Q_WORKERS": "2",
            "Q_POLL": "0.2",
            "Q_TIMEOUT": "300",
            "Q_RETRY": "400",
            "JOB_HEARTBEAT_SECONDS": "0.5",
            "LOG_LEVEL": "WARNING",
        }

    def step(self, name: str, **arguments) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "tests.security.test_kills", name, json.dumps(arguments)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=DEADLINE + 60,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    @contextmanager
    def cluster(self):
        """A qcluster in a process group of its own; whatever is left of it is SIGKILLed at the end."""
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and process groups")
def test_killed_workers_leave_nothing_undone_twice_or_for_a_person(tmp_path):
    started = time.monotonic()
    with sandbox_process() as sandbox, kill_database(tmp_path) as database_url:
        shop = next(s for s in sandbox.shops() if s["name"] == SHOP)
        oa = next(o for o in sandbox.oas() if o["shop_id"] == shop["id"] and o["name"].endswith("Chăm sóc khách hàng"))
        sandbox.update_oa(oa["oa_id"], remaining_quota=10 * ROWS)
        sandbox.zns(delivery_seconds=3600, consent_reply_seconds=3600)
        assert sandbox.set_call_history(shop["id"], CALLS, days=30) == CALLS
        console = Console(database_url, sandbox.url)
        ids = console.step("prepare", template_id=410001)
        print(f"\nprepared: {time.monotonic() - started:.1f} s")

        with console.cluster():
            # The call sync: its fetcher process waits on page KILLED_AT_PAGE, the first 20,000 calls stored.
            sandbox.faults(
                next=["ok"] * (KILLED_AT_PAGE - 1) + ["hang"], methods=["Etelecom/ListCallLogs"], hang_seconds=HANG
            )
            sandbox.clear_requests()
            call_run = console.step("start_call_sync", shop=ids["shop"])["run"]
            wait_for(lambda: sandbox.received("Etelecom/ListCallLogs") >= KILLED_AT_PAGE, "the call sync's page")
            # The upload: the worker waits on send KILLED_AT_SEND, which eTelecom has made.
            sandbox.faults(
                next=["ok"] * (KILLED_AT_SEND - 1) + ["hang"],
                phase="after",
                methods=["Zalo/SendZNS"],
                hang_seconds=HANG,
            )
            bulk_run = console.step("start_bulk", job=ids["job"])["run"]
            wait_for(lambda: sandbox.received("Zalo/SendZNS") >= KILLED_AT_SEND, "the upload's send")
            workers = console.step("workers", runs=[call_run, bulk_run])
            for pid in set(workers.values()):
                os.kill(pid, signal.SIGKILL)
        # The rest of that cluster went with it (SIGKILL to its process group): nothing of it finishes the work.

        print(f"killed: {time.monotonic() - started:.1f} s")
        sandbox.faults()
        left = console.step("after_kill", job=ids["job"], shop=ids["shop"])
        assert left["job_status"] == "running" and left["tally"]["sent"] == KILLED_AT_SEND - 1
        assert 0 < left["calls"] < CALLS  # the kill landed in the middle of the sync
        killed_at = time.monotonic()

        with console.cluster():
            report = console.step("wait", job=ids["job"], shop=ids["shop"], killed=[call_run, bulk_run])
        recovered_s = time.monotonic() - killed_at
        messages, sends = sandbox.zns()["messages"], sandbox.received("Zalo/SendZNS")

    runs = {run["pk"]: run for run in report["runs"]}
    assert runs[call_run]["status"] == runs[bulk_run]["status"] == "failed"
    assert runs[call_run]["error"] == runs[bulk_run]["error"] == report["abandoned"]  # by the reaper
    later = [run for pk, run in runs.items() if pk not in (call_run, bulk_run)]
    assert all(run["triggered_by"] is None for run in later)  # no person started anything
    # The upload: resumed by the reaper, every row sent, each exactly once at eTelecom, the one in flight included.
    assert report["job_status"] == "done" and report["tally"]["sent"] == ROWS
    sent = Counter(m["phone"] for m in messages)
    assert len(sent) == ROWS and set(sent.values()) == {1}
    assert sends == ROWS
    assert [run["status"] for run in later if run["kind"] == "bulk_send"] == ["succeeded"]
    # The calls: the next scheduled sync resumed the pass from its last stored batch; every call once.
    [next_sync] = [run for run in later if run["kind"] == "call_sync"]
    assert next_sync["status"] == "succeeded" and next_sync["counts"]["resumed"] == 1
    assert report["calls"] == report["distinct_calls"] == report["rollup_calls"] == CALLS
    print(f"\nkill test: {time.monotonic() - started:.1f} s in all, {recovered_s:.1f} s from the kill to done")


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(STEPS[sys.argv[1]](**json.loads(sys.argv[2])), default=str))
