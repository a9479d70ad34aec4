import pytest
from django_q.conf import Conf

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
