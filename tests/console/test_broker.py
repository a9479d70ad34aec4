"""The configured django-q2 broker (ORM by default, Redis when REDIS_URL is set) carries a task both ways."""

import uuid

import pytest
from django.conf import settings
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
from django_q.tasks import async_task


def test_the_broker_follows_redis_url():
    assert ("redis" in settings.Q_CLUSTER) == bool(settings.REDIS_URL)
    assert ("orm" in settings.Q_CLUSTER) != bool(settings.REDIS_URL)


@pytest.mark.django_db(transaction=True)
def test_a_task_goes_through_the_configured_broker():
    broker = get_broker(list_key=f"test-{uuid.uuid4().hex}")
    try:
        task_id = async_task("math.floor", 2.5, broker=broker)
        assert broker.queue_size() == 1
        [(ack_id, package)] = broker.dequeue()
        task = SignedPackage.loads(package)
        assert (task["id"], task["func"], task["args"]) == (task_id, "math.floor", (2.5,))
        broker.acknowledge(ack_id)
        assert broker.queue_size() == 0
    finally:
        broker.purge_queue()
