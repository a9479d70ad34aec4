"""The call list's CSV export: the changelist's rows and order for the user's shops, cells a spreadsheet would run
as formulas neutralised, hostile text that comes back as it went, and on PostgreSQL the same cells from `COPY` as
from the Python writer."""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from pbx import exports
from pbx.admin import EXPORT_COLUMNS
from pbx.models import CallRecord
from shops.common.exports import csv_lines
from shops.roles import SUPPORT

from .conftest import BARE_SHOP, sync_calls

HOSTILE_ID = 'a"b,\n"c\r\nd'  # quotes, a comma and line ends: one cell, as it was
RECORDINGS = ["@SUM(A1)", 'https://r.example.vn/"q",\n1.wav']


@pytest.fixture
def calls(pbx_shop):
    assert sync_calls(pbx_shop).status == "succeeded"
    return CallRecord.objects.filter(shop=pbx_shop)


@pytest.fixture
def hostile(calls):
    """Four calls carrying what a spreadsheet would run, or what breaks a naive CSV writer."""
    first, second, third, fourth = calls.order_by("-started_at", "-id")[:4]
    CallRecord.objects.filter(pk=first.pk).update(
        caller='=HYPERLINK("http://e.vn","x")', etelecom_id=HOSTILE_ID, recording_urls=RECORDINGS
    )
    CallRecord.objects.filter(pk=second.pk).update(caller="+84912345678", user_etelecom_id="-5", direction="=evil")
    CallRecord.objects.filter(pk=third.pk).update(callee="-", user_etelecom_id="@me", recording_urls=[])
    CallRecord.objects.filter(pk=fourth.pk).update(
        callee="-2+3", user_etelecom_id="\tx", etelecom_id="12.5", recording_urls=["-", "x"]
    )
    return [first.pk, second.pk, third.pk, fourth.pk]


def export(client, **query) -> list[list[str]]:
    response = client.get(reverse("admin:pbx_callrecord_export"), query)
    assert response.status_code == 200 and response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_formulas_are_neutralised_and_hostile_text_round_trips(admin_client, hostile):
    rows = export(admin_client)
    names = [name for name, _label in EXPORT_COLUMNS]
    first, second, third, fourth = ({name: row[n] for n, name in enumerate(names)} for row in rows[1:5])
    assert first["caller"] == "'" + '=HYPERLINK("http://e.vn","x")'
    assert first["etelecom_id"] == HOSTILE_ID
    assert first["recording_urls"] == "'" + " ".join(RECORDINGS)
    assert (second["caller"], second["user_etelecom_id"], second["direction"]) == ("'+84912345678", "-5", "'=evil")
    assert (third["callee"], third["user_etelecom_id"], third["recording_urls"]) == ("-", "'@me", "")
    assert (fourth["callee"], fourth["user_etelecom_id"], fourth["etelecom_id"]) == ("'-2+3", "'\tx", "12.5")
    assert fourth["recording_urls"] == "'- x"  # a lone "-" is kept, a list that starts with one is not
    assert len(rows) - 1 == CallRecord.objects.count()


def test_a_user_exports_only_their_shops_filtered_as_the_list(client, make_user, shops, calls):
    client.force_login(make_user("hotro-xuat", SUPPORT, shops=[shops[BARE_SHOP]]))
    assert export(client) == [export(client)[0]]  # the header alone: the calls are another shop's
    client.force_login(make_user("hotro-xuat-2", SUPPORT, shops=[calls.first().shop]))
    rows = export(client, call_state__exact="answered")
    assert len(rows) - 1 == calls.filter(call_state="answered").count() > 0
    started = [row[0] for row in rows[1:]]
    assert started == sorted(started, reverse=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
@pytest.mark.parametrize("language", ["en", "vi"])
def test_copy_writes_the_cells_the_python_writer_does(admin_client, hostile, language):
    response = admin_client.get(reverse("admin:pbx_callrecord_export"), HTTP_ACCEPT_LANGUAGE=language)
    copied = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    with translation.override(language):
        queryset = CallRecord.objects.select_related(None).order_by("-started_at", "-id")
        names = [name for name, _label in EXPORT_COLUMNS]
        header = [label for _name, label in EXPORT_COLUMNS]
        written = "".join(csv_lines(header, exports.python_rows(queryset, names)))
    assert copied == list(csv.reader(io.StringIO(written.lstrip("\ufeff"))))
