"""A 10,000-row CSV of SMS sent through the bulk upload against the sandbox's gateway, against bare SendMessage
calls; then an upload sent while 20 % of the gateway's answers are faults.

The upload is checked (every row, as the send form checks it) and sent by the bulk run's work, one row at a time as
the cluster runs it; the baseline, measured in the same run, is as many bare `SendMessage` posts on one keep-alive
session, one at a time too (the same concurrency: one). Under faults (server errors, broken bodies, errors in a
200, each after the write was done: the answer is lost), the upload is sent again with "Send the rows left" until
nothing is left to send. A phone that got more than one message is a duplicate: there must be none. Rows
whose answer was lost stay unconfirmed: the gateway cannot be asked about a send it did not answer.

    python bench/sms_bulk_send.py [--rows 10000] [--fault-rows 2000]
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

FAULTS = {"rates": {"5xx": 0.1, "malformed": 0.05, "error200": 0.05}, "phase": "after"}


def csv_upload(prefix: str, rows: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["phone", "customer_name", "order_code"])
    writer.writerows((f"{prefix}{n:06d}", f"Khach hang {n}", f"DH-{n:06d}") for n in range(rows))
    return SimpleUploadedFile("bench.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--fault-rows", type=int, default=2_000)
    args = parser.parse_args()
    outside = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp, sandbox_process("--dataset", "empty") as control:
        control.reset("demo")
        control.sms(status_seconds=3600)
        os.environ["BENCH_SECRET_KEY"] = secrets.token_urlsafe(40)
        os.environ["ETELECOM_SMS_BASE_URL"] = f"{control.url}/omni/api"
        django_against(outside or f"sqlite:///{Path(tmp) / 'sms.sqlite3'}", control.url)
        from django.core.management import call_command

        from shops import services as shop_services
        from shops import syncing, uploads
        from shops.models import Shop
        from sms import bulk, bulk_run, services
        from sms.models import SmsBulkJob, SmsTemplate

        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        syncing.run_now("shop_import", shop_services.import_partner_shops_work)
        shop = Shop.objects.order_by("pk").first()
        gateway = control.sms_account(shop.etelecom_id)
        control.update_sms_account(gateway["username"], quota=10 * (args.rows + args.fault_rows))
        services.account_save(shop=shop, username=gateway["username"], password=gateway["password"], user=None)
        template = SmsTemplate.objects.create(
            shop=shop, code="DONHANG", params=["customer_name", "order_code"], price=750
        )

        def send(job):
            return syncing.execute(uploads.bulk_start(job=job, user=None).pk, bulk_run.bulk_work)

        control.clear_requests()
        started = time.perf_counter()
        job = SmsBulkJob(shop=shop, template=template, file_name="bench.csv")
        bulk.bulk_check(job=job, upload=csv_upload("0913", args.rows))
        check_s = time.perf_counter() - started
        started = time.perf_counter()
        run = send(job)
        send_s = time.perf_counter() - started
        tally = uploads.counts(job)
        received = control.requests()["methods"].get("OmniMessage/SendMessage", 0)

        session = requests.Session()
        session.trust_env = False
        url = f"{control.url}/omni/api/OmniMessage/SendMessage"
        started = time.perf_counter()
        for n in range(args.rows):
            payload = {
                "username": gateway["username"],
                "password": gateway["password"],
                "phonenumber": f"84914{n:06d}",
                "routerule": ["3"],
                "templatecode": "DONHANG",
                "list_param": {"customer_name": f"Khach hang {n}", "order_code": f"DH-{n:06d}"},
            }
            response = session.post(url, json=payload, timeout=30)
            response.raise_for_status()
            assert response.json()["status"] == "1"
        baseline_s = time.perf_counter() - started

        control.faults(**FAULTS)
        faulty = SmsBulkJob(shop=shop, template=template, file_name="faults.csv")
        bulk.bulk_check(job=faulty, upload=csv_upload("0915", args.fault_rows))
        runs = 0
        while uploads.counts(faulty)["pending"] + uploads.counts(faulty)["held"] and runs < 20:
            send(faulty)
            runs += 1
        control.faults()
        fault_tally = uploads.counts(faulty)
        faults_injected = control.requests()["methods"].get("OmniMessage/SendMessage", 0) - received - args.rows
        sent = Counter(message["phonenumber"] for message in control.sms()["messages"])
        duplicates = sum(count - 1 for count in sent.values())

    report(
        "sms_bulk_send",
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
        fault_rows=args.fault_rows,
        fault_rate=round(sum(FAULTS["rates"].values()), 2),
        fault_runs=runs,
        fault_send_requests=faults_injected,
        fault_row_states={state: n for state, n in fault_tally.items() if n},
        duplicates=duplicates,
    )


if __name__ == "__main__":
    main()
