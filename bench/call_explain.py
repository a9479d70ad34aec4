"""Which index each call page and report uses on a big call table: every SQL query a page makes, run again under
`EXPLAIN (ANALYZE, BUFFERS)` (PostgreSQL), with the indexes (or sequential scans) its plan reads, its time and the
pages it touched. It reads the database a `call_admin.py` (or `reports.py`) run left; it writes nothing.

    DATABASE_URL=postgres://... python bench/call_explain.py      (the reports too: run it after a reports.py run)
"""

import json
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

from _common import report
from call_admin import bench_superuser, month_end, setup, superuser_client


def scans(plan: dict) -> list[str]:
    """The relations a plan reads and how: `index name` for index scans, `Seq Scan on table` otherwise."""
    found = []
    if "Index Name" in plan:
        found.append(plan["Index Name"])
    elif plan.get("Node Type") == "Seq Scan":
        found.append(f"Seq Scan on {plan['Relation Name']}")
    for child in plan.get("Plans", []):
        found.extend(scans(child))
    return found


def explain(sql: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        [result] = cursor.fetchone()[0]
    plan = result["Plan"]
    return {
        "ms": round(result["Execution Time"], 1),
        "reads": scans(plan),
        "buffers": plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0),
        # PostgreSQL compiles a plan it costs over jit_above_cost: 100-200 ms of a page's time on this machine.
        "jit_ms": round(result.get("JIT", {}).get("Timing", {}).get("Total", 0), 1),
        "sql": sql[:160],
    }


def page_plans(client, url: str, query: dict) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
        if response.streaming:
            for _chunk in response.streaming_content:
                pass
    assert response.status_code == 200, response.status_code
    plans = []
    for captured in queries.captured_queries:
        sql = captured["sql"]
        if not sql.lstrip(" (").upper().startswith("SELECT") or "django_session" in sql or "auth_user" in sql:
            continue
        if not any(f'FROM "{app}_' in sql or f"FROM {app}_" in sql for app in ("pbx", "zalo", "sms")):
            continue
        plans.append(explain(sql))
    return plans


def copy_plan(query: dict) -> dict:
    """The plan of the SELECT the export runs as `COPY (…) TO STDOUT` on PostgreSQL (COPY bypasses the captured
    queries): the changelist's queryset for `query`, with the export's cells."""
    from django.contrib import admin
    from django.db import connection
    from django.test import RequestFactory

    from pbx.admin import EXPORT_COLUMNS
    from pbx.exports import copy_query
    from pbx.models import CallRecord

    request = RequestFactory().get("/admin/pbx/callrecord/", query)
    request.user = bench_superuser()
    queryset = admin.site._registry[CallRecord].get_changelist_instance(request).queryset
    sql, params = copy_query(queryset, [name for name, _label in EXPORT_COLUMNS])
    with connection.cursor() as cursor:
        return explain(cursor.cursor.mogrify(sql, params))


def main():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        report("call_explain", skipped="a PostgreSQL question: set DATABASE_URL=postgres://...")
        return
    with tempfile.TemporaryDirectory() as tmp:
        setup(os.environ["DATABASE_URL"], str(Path(tmp) / "static"))
        from pbx.models import CallRecord

        client = superuser_client()
        calls = CallRecord.objects.order_by().count()
        shop = CallRecord.objects.order_by("-started_at").values_list("shop_id", flat=True).first()
        middle = CallRecord.objects.filter(shop_id=shop, direction="in").order_by("-started_at")[calls // 40]
        month = middle.started_day.replace(day=1)
        last = CallRecord.objects.filter(shop_id=shop).order_by("-started_at").values_list("started_day", flat=True)[0]
        year = {"start": (last - timedelta(days=364)).isoformat(), "end": last.isoformat()}
        pages = {
            "call list, unfiltered": ("/admin/pbx/callrecord/", {}),
            "call list, shop and month": (
                "/admin/pbx/callrecord/",
                {"shop": shop, "started_from": month.isoformat(), "started_to": month_end(month).isoformat()},
            ),
            "call list, number search": ("/admin/pbx/callrecord/", {"q": middle.customer_number}),
            "export, one shop's year": (
                "/admin/pbx/callrecord/export/",
                {"shop": shop, "started_from": year["start"], "started_to": year["end"]},
            ),
            "calls report, a year": ("/admin/reports/calls/", year),
            **{
                f"{name} report, {label}": (
                    f"/admin/reports/{name}/",
                    {"start": (last - timedelta(days=days - 1)).isoformat(), "end": last.isoformat()},
                )
                for name in ("calls", "zalo", "consents", "messaging")
                for label, days in (("90 days", 90), ("a year", 365))
                if (name, days) != ("calls", 365)
            },
        }
        figures = {name: page_plans(client, url, query) for name, (url, query) in pages.items()}
        url, query = pages["export, one shop's year"]
        figures["export, one shop's year: its COPY"] = [copy_plan(query)]
    report("call_explain", calls=calls, as_of=date.today().isoformat(), pages=figures)
    print(json.dumps({name: sorted({r for plan in plans for r in plan["reads"]}) for name, plans in figures.items()}))


if __name__ == "__main__":
    main()
