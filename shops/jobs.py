"""The background jobs of the console, each declared once as a `Job` class (after NetBox's JobRunner).

A job class says what kind of run it records (`kind`, `label`), when it runs (`schedule_name` and its interval),
which shops a scheduled cycle queues one run each for (`shops`, or None for one partner-wide run), and its work.
Everything else is built from the registry: the run record's kind labels and the admin's kind filter, the
django-q2 schedules (`manage.py setup_schedules`), the fan-out with its stale-run reaping and the one task entry
point (`shops.tasks`), the admin "run now" actions (`shops.admin.queue_runs`). Adding a sync is writing one class
in the entity's module and importing that module in its app's `ready()`.

This module imports nothing of the hub's models, so the run model can read its labels here without a circle.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings

# kind -> job class, filled as job classes are defined (each app imports its jobs in its AppConfig.ready()).
JOBS: dict[str, type[Job]] = {}

# The one django-q2 task every run is handed to, and the one every schedule fires.
RUN_TASK = "shops.tasks.run_job"
SCHEDULE_TASK = "shops.tasks.run_schedule"

MINUTES, HOURLY, DAILY = "I", "H", "D"  # django-q2's Schedule.MINUTES, HOURLY, DAILY


class Job:
    kind: ClassVar[str] = ""
    label: ClassVar = ""
    # The django-q2 schedule's name (kept stable: `setup_schedules` updates a schedule by its name); "" for a job
    # that runs only when asked (an import, a bulk upload).
    schedule_name: ClassVar[str] = ""
    schedule_type: ClassVar[str] = MINUTES
    # For MINUTES: the setting that holds the interval, or a fixed number of minutes.
    interval_setting: ClassVar[str] = ""
    minutes: ClassVar[int | None] = None
    # False for a job whose scheduled work keeps no run record (the reaper: a record every minute is noise).
    recorded: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.kind:
            raise TypeError(f"{cls.__name__} declares no kind")
        if cls.kind in JOBS and JOBS[cls.kind].__qualname__ != cls.__qualname__:
            raise TypeError(f"two jobs declare the kind {cls.kind!r}: {JOBS[cls.kind].__name__} and {cls.__name__}")
        JOBS[cls.kind] = cls

    @classmethod
    def shops(cls):
        """The shops a scheduled cycle queues one run each for; None: one partner-wide run in the worker that
        fires the schedule (never two at once, whatever the number of clusters)."""
        return None

    @classmethod
    def work(cls, run) -> dict | None:
        """Do the job for `run` (its `shop` is set for a per-shop job); returns the counts to record."""
        raise NotImplementedError

    @classmethod
    def finished(cls, run) -> None:
        """What to do once a queued run of this kind has ended, however it ended (the call sync queues the rest of
        its pass)."""

    @classmethod
    def on_abandon(cls, run) -> None:
        """What to do with a run of this kind that the reaper found dead, after it is marked failed."""

    @classmethod
    def schedule(cls) -> dict | None:
        """The django-q2 schedule's fields, or None for a job that runs only when asked."""
        if not cls.schedule_name:
            return None
        spec = {"name": cls.schedule_name, "func": SCHEDULE_TASK, "args": repr(cls.kind)}
        spec["schedule_type"] = cls.schedule_type
        if cls.schedule_type == MINUTES:
            spec["minutes"] = getattr(settings, cls.interval_setting) if cls.interval_setting else cls.minutes
        return spec


def get(kind: str) -> type[Job]:
    """The job class of `kind`; KeyError for a kind no job declares."""
    return JOBS[kind]


def labels() -> dict[str, str]:
    """kind -> label of every job that records runs: the run record's labels and the admin's kind filter."""
    return {kind: job.label for kind, job in JOBS.items() if job.recorded}


def label(kind: str) -> str:
    job = JOBS.get(kind)
    return str(job.label) if job is not None else kind


def schedules() -> list[dict]:
    """The django-q2 schedules the jobs declare."""
    return [spec for job in JOBS.values() if (spec := job.schedule()) is not None]
