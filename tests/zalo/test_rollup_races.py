"""Two recounts of one OA's day at once (a ZNS delivery's Zalo event and its `zl_oa_message` record, a sync beside
a webhook) wait for each other: on PostgreSQL the second would otherwise insert the day's rows beside the first's
and fail, rolling its event back."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from zalo import rollups
from zalo.models import Message, ZnsDaily

from ..shops.factories import make_oa, make_shop

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writing transaction at a time"
)


def test_two_recounts_of_one_day_take_turns(transactional_db):
    oa = make_oa(make_shop("Cửa hàng đua"))
    day = rollups.local_day(timezone.now())
    Message.objects.create(oa=oa, phone="0912345678", status=Message.Status.ACCEPTED, template_id_sent=1, day=day)
    rollups.refresh_messages([(oa.pk, day)])
    first_done, errors = threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                rollups.refresh_messages([(oa.pk, day)])
                first_done.wait(5)  # holds its transaction while the second starts
        finally:
            connections.close_all()

    def second():
        try:
            with transaction.atomic():
                rollups.refresh_messages([(oa.pk, day)])
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    threads[1].start()
    threads[1].join(1)
    first_done.set()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert list(ZnsDaily.objects.filter(oa=oa).values_list("sent", flat=True)) == [1]
