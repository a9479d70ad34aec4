import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.tasks import async_task

from etelecom.sandbox.control import free_port


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["broker"]["ok"]
    assert body["broker"]["queued"] == 0
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, monkeypatch):
    # A real Redis broker pointed at a port nothing listens on.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", f"redis://127.0.0.1:{free_port()}/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"]["ok"] and not body["broker"]["ok"]
    assert body["broker"]["error"] == "ConnectionError"


def test_healthz_is_503_when_the_database_is_unreachable(client, settings):
    # No django_db mark: pytest-django blocks database access, as an unreachable database would.
    response = client.get("/healthz")
    assert response.status_code == 503
    assert not response.json()["database"]["ok"]


@pytest.mark.django_db
def test_healthz_takes_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_answers_head_as_get_without_a_body(client):
    got, head = client.get("/healthz"), client.head("/healthz")
    assert head.status_code == got.status_code == 200
    assert head["Content-Type"] == got["Content-Type"] == "application/json"
    assert head.content == b""


def test_livez_answers_without_the_database(client):
    # No django_db mark: the database is out of reach, and a live process is still live.
    response = client.get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/livez", "/healthz", "/readyz"])
def test_probes_by_ip_are_answered_whatever_allowed_hosts_says(client, path):
    # A load balancer probes the node's address, which is not in ALLOWED_HOSTS; a page there is refused.
    assert client.get("/admin/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    assert client.get(path, HTTP_HOST="10.1.2.3:8000").status_code != 400


@pytest.mark.django_db
def test_probes_tell_nothing_about_versions(client):
    for path in ("/healthz", "/readyz"):
        text = client.get(path).content.decode().lower()
        for word in ("version", "redis", "sqlite", "postgres", "vendor", "host"):
            assert word not in text, (path, word)


@pytest.mark.django_db
def test_readyz_is_503_when_no_cluster_has_run(client):
    # Nothing has run a task in this fresh database and no cluster reports to the broker: as with qcluster stopped.
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] and body["broker"]["ok"]
    assert body["cluster"] == {"ok": False, "alive": 0}


@pytest.mark.django_db
def test_readyz_is_200_once_a_cluster_has_finished_a_task(client):
    # A task run to the end, recorded as a cluster records it.
    async_task("math.floor", 2.5, sync=True)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["cluster"]["ok"] and response.json()["schedules"]["ok"]


@pytest.mark.django_db
def test_readyz_is_503_when_a_schedule_is_overdue(client, settings):
    async_task("math.floor", 2.5, sync=True)
    overdue = timezone.now() - timedelta(seconds=settings.SCHEDULE_LAG_SECONDS + 60)
    Schedule.objects.create(name="late", func="math.floor", schedule_type=Schedule.MINUTES, minutes=1, next_run=overdue)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert not response.json()["schedules"]["ok"] and response.json()["schedules"]["lag_seconds"] >= 60


@pytest.mark.django_db
def test_readyz_sees_a_live_cluster_that_reports_to_the_broker(client, settings):
    # A real cluster, stopped again at the end; a fresh database has seen no task, so only its report counts.
    if not settings.Q_CLUSTER.get("redis"):
        pytest.skip("the ORM broker keeps cluster reports in a per-process cache; see the task-based test")
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"  # the test database
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=settings.BASE_DIR,
        start_new_session=True,
        env={**os.environ, "DATABASE_URL": database_url},
    )
    try:
        deadline = time.monotonic() + 30
        while client.get("/readyz").json()["cluster"]["alive"] == 0:
            assert time.monotonic() < deadline, "the cluster never reported"
            time.sleep(0.5)
    finally:
        cluster.terminate()
        cluster.wait(30)
    deadline = time.monotonic() + 30
    while client.get("/readyz").json()["cluster"]["alive"]:
        assert time.monotonic() < deadline, "a stopped cluster still counts as alive"
        time.sleep(0.5)
    assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
def test_a_failing_probe_mails_nobody(client, monkeypatch, settings, mailoutbox):
    settings.ADMINS = [("Ops", "ops@example.vn")]
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", f"redis://127.0.0.1:{free_port()}/0")
    for _ in range(3):
        assert client.get("/healthz").status_code == 503
    assert mailoutbox == []


@pytest.mark.django_db
def test_probes_answer_plain_http_behind_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/admin/login/").status_code == 301
    for path in ("/livez", "/healthz", "/readyz"):
        assert client.get(path, HTTP_HOST="10.1.2.3").status_code in (200, 503), path
