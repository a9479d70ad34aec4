"""A 10,000-row CSV of ZNS sent through the bulk upload against the sandbox, against bare SendZNS calls.

The upload is checked (every row, as the form checks it) and then sent by the bulk run's work, one row at a time as
the cluster would run it; the baseline, measured in the same run, is as many bare `SendZNS` posts on one
keep-alive session, one at a time too. Duplicates (a phone that got more than one message) must be 0.

    python bench/zns_bulk_send.py [--rows 10000]
"""

import argparse
import csv
import io
import os
import secrets
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests
from _common import django_against, report, sandbox_process


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    outside = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp, sandbox_process("--dataset", "empty") as control:
        control.reset("generated", shops=1, oas_per_shop=1, templates_per_oa=1)
        control.zns(delivery_seconds=3600, consent_reply_seconds=3600)
        oa_id = control.oas()[0]["oa_id"]
        control.update_oa(oa_id, daily_quota=10 * args.rows, remaining_quota=10 * args.rows)
        os.environ["BENCH_SECRET_KEY"] = secrets.token_urlsafe(40)
        django_against(outside or f"sqlite:///{Path(tmp) / 'bulk.sqlite3'}", control.url)
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.core.management import call_command

        from shops import services as shop_services
        from shops import syncing
        from shops.models import Shop
        from zalo import bulk, bulk_run, services
        from zalo.models import BulkJob, ZnsTemplate

        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        syncing.run_now("shop_import", shop_services.import_partner_shops_work)
        shop = Shop.objects.get()
        syncing.run_now("oa_sync", services.oa_sync_work, shop=shop)
        syncing.run_now("template_sync", services.templates_sync_work, shop=shop)
        template = ZnsTemplate.objects.get(template_id=410001)

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["phone", "customer_name", "order_code"])
        writer.writerows((f"0913{n:06d}", f"Khách hàng {n}", f"DH-{n:06d}") for n in range(args.rows))
        upload = SimpleUploadedFile("bench.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")

        control.clear_requests()
        started = time.perf_counter()
        job = BulkJob(kind="zns", oa=template.oa, template=template, file_name="bench.csv")
        bulk.bulk_check(job=job, upload=upload)
        check_s = time.perf_counter() - started
        started = time.perf_counter()
        run = syncing.execute(bulk.bulk_start(job=job, user=None).pk, bulk_run.bulk_work)
        send_s = time.perf_counter() - started
        tally = bulk.counts(job)
        sent = Counter(message["phone"] for message in control.zns()["messages"])
        duplicates = sum(count - 1 for count in sent.values())
        received = control.requests()["methods"].get("Zalo/SendZNS", 0)

        session = requests.Session()
        session.trust_env = False
        headers = {"Authorization": f"Bearer {control.shops()[0]['shop_key']}"}
        url = f"{control.url}/v1/partner.Zalo/SendZNS"
        started = time.perf_counter()
        for n in range(args.rows):
            payload = {
                "oa_id": oa_id,
                "phone": f"0914{n:06d}",
                "template_id": 410001,
                "template_data": {"customer_name": f"Khách hàng {n}", "order_code": f"DH-{n:06d}"},
                "tracking_id": f"bare-{n}",
            }
            response = session.post(url, json=payload, headers=headers, timeout=30)
            response.raise_for_status()
            response.json()
        baseline_s = time.perf_counter() - started

    report(
        "zns_bulk_send",
        rows=args.rows,
        database=os.environ["DATABASE_URL"].split(":")[0],
        run_status=run.status,
        row_states={state: n for state, n in tally.items() if n},
        check_s=round(check_s, 2),
        send_s=round(send_s, 2),
        messages_per_s=round(tally["sent"] / send_s, 1),
        send_requests=received,
        baseline_s=round(baseline_s, 2),
        baseline_per_s=round(args.rows / baseline_s, 1),
        ratio=round(send_s / baseline_s, 2),
        duplicates=duplicates,
    )


if __name__ == "__main__":
    main()
