"""The job framework (`shops.jobs`): one class declares a job, and the run labels, the schedules, the fan-out and
the one task entry point follow from it."""

import ast

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from shops import jobs, tasks
from shops.models import Shop, SyncRun

from .factories import make_shop


@pytest.fixture
def echo_job():
    """A job declared as an app would: counts what it saw, runs for the shops whose name starts with "E"."""

    class Echo(jobs.Job):
        kind, label = "echo", "Echo the shop"
        schedule_name, interval_setting = "tests: echo", "ALERT_DIGEST_MINUTES"

        @classmethod
        def shops(cls):
            return Shop.objects.filter(name__startswith="E")

        @classmethod
        def work(cls, run):
            return {"shop": run.shop.name}

    yield Echo
    del jobs.JOBS["echo"]


def test_one_class_gives_the_label_the_fan_out_and_the_entry_point(db, echo_job):
    make_shop("E1"), make_shop("E2"), make_shop("Other")
    assert tasks.run_schedule("echo") == 2
    assert tasks.run_schedule("echo") == 0  # the queued runs are not piled on
    run = SyncRun.objects.filter(kind="echo").order_by("pk").first()
    assert run.kind_label == "Echo the shop" and ("echo", "Echo the shop") in jobs.labels().items()
    tasks.run_job(run.pk)
    run.refresh_from_db()
    assert (run.status, run.counts) == ("succeeded", {"shop": "E1"})


def test_a_partner_wide_job_runs_once_in_the_worker_that_fires_its_schedule(db, echo_job, monkeypatch):
    monkeypatch.setattr(echo_job, "shops", classmethod(lambda cls: None))
    monkeypatch.setattr(echo_job, "work", classmethod(lambda cls, run: {"shop": str(run.shop)}))
    assert tasks.run_schedule("echo") == {"shop": "None"}
    assert SyncRun.objects.get(kind="echo").status == "succeeded"


def test_two_jobs_may_not_declare_one_kind(echo_job):
    with pytest.raises(TypeError, match="echo"):
        type("Echo2", (jobs.Job,), {"kind": "echo", "label": "again"})
    with pytest.raises(TypeError, match="no kind"):
        type("Nameless", (jobs.Job,), {})


def test_an_unknown_kind_has_no_entry_point(db):
    with pytest.raises(KeyError):
        tasks.run_schedule("nonsense")


def test_setup_schedules_creates_updates_and_removes_what_the_jobs_declare(db, echo_job, settings, capsys):
    Schedule.objects.create(name="zalo: an old name", func="zalo.tasks.sync_all_oas")
    Schedule.objects.create(name="tests: a renamed job", func="shops.tasks.run_schedule", args="'gone'")
    Schedule.objects.create(name="an operator's own", func="somewhere.else.job")
    call_command("setup_schedules")
    echo = Schedule.objects.get(name="tests: echo")
    assert (echo.func, echo.args, echo.minutes) == ("shops.tasks.run_schedule", "'echo'", settings.ALERT_DIGEST_MINUTES)
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {spec["name"] for spec in jobs.schedules()} <= names and "an operator's own" in names
    assert not names & {"zalo: an old name", "tests: a renamed job"}

    settings.ALERT_DIGEST_MINUTES = 7
    call_command("setup_schedules")
    assert Schedule.objects.get(name="tests: echo").minutes == 7
    del jobs.JOBS["echo"]
    call_command("setup_schedules")
    jobs.JOBS["echo"] = echo_job
    assert not Schedule.objects.filter(name="tests: echo").exists()
    assert "removed: tests: echo" in capsys.readouterr().out


def test_every_declared_schedule_names_a_job_that_runs(db):
    """A schedule fires `run_schedule(kind)`: every job that has one does some work of its own."""
    for spec in jobs.schedules():
        job = jobs.get(ast.literal_eval(spec["args"]))
        assert job.work.__func__ is not jobs.Job.work.__func__, job
