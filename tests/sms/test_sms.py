"""SMS Brandname in the console, over real HTTP to the sandbox's gateway: an account checked before it is kept
(and stored encrypted), a send from a template (with ZNS first and SMS as the fallback), the status followed by the
scheduled check until it leaves PROCESSING with its segments and cost, refusals as form errors, and another shop's
templates and messages out of reach."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from shops import syncing, tasks, uploads
from shops.models import ApiCall, SyncRun
from shops.roles import MANAGER, SUPPORT
from sms import bulk_run, services
from sms.models import SmsAccount, SmsBulkJob, SmsMessage, SmsTemplate
from zalo.models import OfficialAccount, ZnsDaily

from ..shops.factories import make_oa

SHOP = "Nhà thuốc An Khang Quận 1"


@pytest.fixture
def shop(shops):
    return shops[SHOP]


@pytest.fixture
def gateway(sandbox, shop):
    """The shop's account on the sandbox's gateway."""
    return sandbox.control.sms_account(shop.etelecom_id)


@pytest.fixture
def account(shop, gateway, admin_user):
    return services.account_save(shop=shop, username=gateway["username"], password=gateway["password"], user=admin_user)


@pytest.fixture
def otp(shop):
    return SmsTemplate.objects.create(
        shop=shop, code="OTP", name="Mã OTP", params=["otp"], content="Ma xac thuc cua ban la {otp}.", price=800
    )


def enter(client, shop, username, password):
    return client.post(
        reverse("admin:sms_smsaccount_add"), {"shop": shop.pk, "username": username, "password": password}
    )


def send(client, template, **data):
    url = reverse("admin:sms_smsmessage_add") + f"?template={template.pk}"
    return client.post(url, {"phone": "0912345678", "route": "3", "param_otp": "123456", "send": "1", **data})


def poll(shop):
    return syncing.run_now("sms_status", services.status_poll_work, shop=shop)


def test_an_account_is_checked_then_kept_encrypted(admin_client, shop, gateway):
    response = enter(admin_client, shop, gateway["username"], gateway["password"])
    assert response.status_code == 302
    account = SmsAccount.objects.get(shop=shop)
    assert account.status == SmsAccount.Status.VALID
    assert account.password == gateway["password"]
    assert gateway["password"] not in account.password_ciphertext
    page = admin_client.get(reverse("admin:sms_smsaccount_change", args=[account.pk])).content.decode()
    assert gateway["password"] not in page
    assert not ApiCall.objects.filter(error__contains=gateway["password"]).exists()


def test_a_wrong_password_or_an_ip_off_the_whitelist_is_refused_and_nothing_kept(admin_client, shop, gateway, sandbox):
    response = enter(admin_client, shop, gateway["username"], "sai-mat-khau")
    assert "refused the username or password" in response.content.decode()
    sandbox.control.update_sms_account(gateway["username"], allowed_ips=["203.0.113.9"])
    response = enter(admin_client, shop, gateway["username"], gateway["password"])
    assert "whitelist" in response.content.decode()
    assert not SmsAccount.objects.exists()


def test_an_sms_is_sent_then_followed_until_delivered_with_its_segments_and_cost(
    admin_client, account, otp, sandbox, shop
):
    preview = admin_client.post(
        reverse("admin:sms_smsmessage_add") + f"?template={otp.pk}",
        {"phone": "0912345678", "route": "3", "param_otp": "123456", "preview": "1"},
    )
    assert "Ma xac thuc cua ban la 123456." in preview.content.decode()
    assert not SmsMessage.objects.exists()
    assert send(admin_client, otp).status_code == 302
    message = SmsMessage.objects.get()
    assert (message.send_state, message.status) == ("sent", "PROCESSING")
    assert message.omni_id.startswith("ICOMNI")
    poll(shop)
    message.refresh_from_db()
    assert message.status == "PROCESSING" and message.finished_at is None
    sandbox.control.settle_sms(message.omni_id)
    poll(shop)
    message.refresh_from_db()
    assert (message.status, message.channel) == ("SUCCESS", "SMS")
    assert message.mtcount >= 1 and message.cost == 800 * message.mtcount
    assert message.finished_at is not None
    calls = ApiCall.objects.filter(method="OmniReport/GetStatusOmni").count()
    poll(shop)
    assert ApiCall.objects.filter(method="OmniReport/GetStatusOmni").count() == calls  # final: not asked again


def test_zns_first_falls_back_to_sms_when_the_zns_fails(admin_client, account, otp, sandbox, shop):
    assert send(admin_client, otp, phone="0912345677", route="1,3").status_code == 302
    message = SmsMessage.objects.get()
    sandbox.control.settle_sms(message.omni_id)
    poll(shop)
    message.refresh_from_db()
    assert message.status == "SUCCESS" and message.channel == "SMS" and message.fell_back
    listing = admin_client.get(reverse("admin:sms_smsmessage_changelist")).content.decode()
    assert "after ZNS failed" in listing


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"param_otp": "12ab"}, "refused a parameter"),
        ({"phone": "0212345678"}, "Vietnamese phone number"),
        ({"phone": "+84 91<script>5678"}, "Vietnamese phone number"),
        ({"route": "2"}, "Select a valid choice"),
        ({"param_otp": ""}, "This field is required"),
    ],
)
def test_refusals_and_bad_input_are_form_errors(admin_client, account, otp, data, error):
    response = send(admin_client, otp, **data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not SmsMessage.objects.filter(send_state="sent").exists()


def test_an_unknown_template_code_is_refused_and_recorded(admin_client, account, shop):
    ghost = SmsTemplate.objects.create(shop=shop, code="KHONGCO", params=["otp"])
    response = send(admin_client, ghost)
    assert "does not know this template code" in response.content.decode()
    assert SmsMessage.objects.get().send_state == "failed"


def test_a_shop_without_an_account_is_told_so(admin_client, otp):
    response = send(admin_client, otp)
    assert "has no SMS Brandname account" in response.content.decode()
    assert not ApiCall.objects.filter(method__startswith="Omni").exists()


def test_another_shops_templates_and_messages_are_out_of_reach(client, make_user, shops, otp, account):
    other_shop = next(shop for name, shop in shops.items() if name != SHOP)
    other = SmsTemplate.objects.create(shop=other_shop, code="OTP", params=["otp"])
    client.force_login(make_user("hotro-a", SUPPORT, shops=[otp.shop]))
    response = send(client, other)
    assert response.status_code == 200 and 'id="sms-pick-form"' in response.content.decode()
    assert not SmsMessage.objects.exists()
    mine = send(client, otp)
    assert mine.status_code == 302
    stranger = SmsMessage.objects.create(
        shop=other_shop, template_code="OTP", phone="0987654321", day=SmsMessage.objects.get().day
    )
    assert client.get(reverse("admin:sms_smsmessage_change", args=[stranger.pk])).status_code in (302, 404)
    assert "0987654321" not in client.get(reverse("admin:sms_smsmessage_changelist")).content.decode()


def test_the_messaging_report_puts_zns_sms_and_fallbacks_side_by_side(
    admin_client, account, otp, sandbox, shop, make_user, client
):
    today = timezone.localdate()
    assert send(admin_client, otp).status_code == 302
    assert send(admin_client, otp, phone="0912345677", route="1,3").status_code == 302
    sandbox.control.settle_sms()
    poll(shop)
    oa = OfficialAccount.objects.filter(shop=shop).first() or make_oa(shop)
    ZnsDaily.objects.create(oa=oa, day=today, template_id=4321, sent=5, delivered=4, failed=1, fees=1500)
    manager = make_user("quanly", MANAGER, shops=[shop])
    client.force_login(manager)
    page = client.get(reverse("admin:report_messaging"), {"start": today.isoformat(), "end": today.isoformat()})
    assert page.status_code == 200
    total = page.context["raw"]["total"]
    assert (total["sent"], total["fees"], total["sms_sent"], total["fallbacks"]) == (5, 1500, 2, 1)
    segments = sum(m.mtcount for m in SmsMessage.objects.all())
    assert total["sms_cost"] == 800 * segments
    export = client.get(
        reverse("admin:report_messaging"),
        {"start": today.isoformat(), "end": today.isoformat(), "export": "templates"},
    )
    body = b"".join(export.streaming_content if export.streaming else [export.content]).decode("utf-8-sig")
    assert "OTP" in body and "4321" in body
    support = make_user("hotro-bc", SUPPORT, shops=[shop])
    client.force_login(support)
    assert client.get(reverse("admin:report_messaging")).status_code == 403


def upload(client, template, text, route="3"):
    data = {"template": template.pk, "route": route, "file": SimpleUploadedFile("khach.csv", text.encode("utf-8-sig"))}
    return client.post(reverse("admin:sms_smsbulkjob_add"), data)


def send_upload(job):
    uploads.bulk_start(job=job, user=None)
    job.refresh_from_db()
    return syncing.execute(job.run_id, bulk_run.bulk_work)


def test_a_bulk_upload_is_checked_then_sent_once_per_row_with_fallback(admin_client, account, otp, sandbox, shop):
    text = "phone,otp\n0912000001,1111\n0912000001,2222\n0912000007,3333\nkhông phải số,4444\n0912000003,12ab\n"
    response = upload(admin_client, otp, text, route="1,3")
    assert response.status_code == 302
    job = SmsBulkJob.objects.get()
    rows = {row.line: row for row in job.rows.all()}
    assert [rows[n].state for n in (2, 3, 4, 5, 6)] == ["pending", "invalid", "pending", "invalid", "pending"]
    assert "earlier line" in rows[3].error
    page = admin_client.get(reverse("admin:sms_smsbulkjob_change", args=[job.pk])).content.decode()
    assert 'id="bulk-start"' in page
    run = send_upload(job)
    assert run.status == "succeeded", run.error
    states = dict(job.rows.values_list("line", "state"))
    assert states == {2: "sent", 3: "invalid", 4: "sent", 5: "invalid", 6: "failed"}  # the gateway refused 12ab
    assert sandbox.control.received("OmniMessage/SendMessage") == 3
    sandbox.control.settle_sms()
    poll(shop)
    fell_back = SmsMessage.objects.get(phone="0912000007")
    assert fell_back.fell_back and fell_back.status == "SUCCESS"
    send_upload(job)  # again: nothing is sent twice
    assert sandbox.control.received("OmniMessage/SendMessage") == 3
    results = admin_client.get(reverse("admin:sms_smsbulkjob_results", args=[job.pk]))
    body = b"".join(results.streaming_content).decode("utf-8-sig")
    assert fell_back.omni_id in body and "SMS" in body
    # Headers and values in words of the reader's language, not the gateway's codes.
    assert body.startswith("line,phone,state,error,tracking id,gateway id,delivery,channel,segments")
    assert "SUCCESS" not in body and "Delivered" in body


def test_an_account_out_of_messages_holds_the_rest(admin_client, account, otp, sandbox, gateway):
    sandbox.control.update_sms_account(gateway["username"], quota=2)
    text = "phone,otp\n" + "".join(f"091200010{n},1234\n" for n in range(5))
    upload(admin_client, otp, text)
    job = SmsBulkJob.objects.get()
    send_upload(job)
    job.refresh_from_db()
    tally = dict(job.rows.values_list("state").annotate(n=Count("pk")))
    assert tally == {"sent": 2, "held": 3} and job.status == "held"
    assert SmsMessage.objects.filter(send_state="sent").count() == 2
    sandbox.control.update_sms_account(gateway["username"], quota=100)
    send_upload(job)
    assert dict(job.rows.values_list("state").annotate(n=Count("pk"))) == {"sent": 5}
    assert SmsMessage.objects.count() == 5


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("so_dien_thoai,otp\n0912000001,1234\n", "one of them “phone”"),
        ("phone\n0912000001\n", "no column for the variables: otp"),
        ("phone,otp\n", "no rows"),
        ("\ufffe\x00\x01", "“phone”"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_whole(admin_client, account, otp, text, error):
    response = upload(admin_client, otp, text)
    assert response.status_code == 200 and error in response.content.decode()
    assert not SmsBulkJob.objects.exists()


def test_the_schedule_queues_a_status_check_only_for_shops_with_sms_in_progress(admin_client, account, otp, shop):
    assert tasks.run_schedule("sms_status") == 0
    send(admin_client, otp)
    assert tasks.run_schedule("sms_status") == 1
    assert SyncRun.objects.get(kind="sms_status", status="queued").shop == shop
    assert tasks.run_schedule("sms_status") == 0  # one queued already: not piled on


def test_a_401_while_checking_marks_the_sms_account_not_the_shops_key(admin_client, account, otp, sandbox, shop):
    send(admin_client, otp)
    sandbox.control.update_sms_account(account.username, password="da-doi-mat-khau")
    run = poll(shop)
    assert run.status == "succeeded" and run.counts["account_refused"] == 1
    account.refresh_from_db()
    shop.refresh_from_db()
    assert account.status == SmsAccount.Status.INVALID and "refused the username or password" in account.check_error
    assert shop.credential_status != "invalid"
    response = send(admin_client, otp)
    assert "enter it again" in response.content.decode()


def test_the_dashboard_alerts_on_a_refused_sms_account(admin_client, account):
    SmsAccount.objects.filter(pk=account.pk).update(status=SmsAccount.Status.INVALID)
    page = admin_client.get(reverse("admin:index"))
    alerts = {alert["kind"]: alert for alert in page.context["shop_alerts"]}
    assert alerts["sms_account_invalid"]["count"] == 1
    assert reverse("admin:sms_smsaccount_changelist") in alerts["sms_account_invalid"]["url"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"code": "OTP; DROP TABLE"}, "letters, digits, dots, dashes and underscores"),
        ({"param_names": "otp, ma-don"}, "is not a variable name"),
        ({"param_names": "otp, otp"}, "listed twice"),
        ({"param_names": "０tp"}, "is not a variable name"),
        ({"price": "-5"}, "greater than or equal to 0"),
    ],
)
def test_a_template_with_bad_fields_is_a_form_error(admin_client, shop, data, error):
    fields = {"shop": shop.pk, "code": "OTP", "name": "Mã", "param_names": "otp", "content": "", "is_active": "on"}
    response = admin_client.post(reverse("admin:sms_smstemplate_add"), {**fields, **data})
    assert response.status_code == 200 and error in response.content.decode()
    assert not SmsTemplate.objects.exists()


def test_a_template_keeps_its_variables_in_order(admin_client, shop):
    fields = {"shop": shop.pk, "code": "DONHANG", "param_names": " order_code ,customer_name", "is_active": "on"}
    assert admin_client.post(reverse("admin:sms_smstemplate_add"), fields).status_code == 302
    assert SmsTemplate.objects.get().params == ["order_code", "customer_name"]


def test_a_semicolon_or_tab_separated_upload_is_read_like_a_comma_separated_one(admin_client, account, otp):
    # What Excel writes as "CSV" in a Vietnamese locale; the separator is read from the header line.
    upload(admin_client, otp, "phone;otp\n0912000001;1234\n0912000002;5678\n")
    upload(admin_client, otp, "phone\totp\n0912000003\t4321\n")
    states = dict(SmsBulkJob.objects.values_list("rows__phone", "rows__state"))
    assert set(states.values()) == {"pending"} and len(states) == 3


def test_one_check_of_a_send_for_the_form_and_the_upload_rows():
    template = SmsTemplate(params=["name", "code"])
    assert services.check_send(template, {"phone": "84912345678", "name": "An", "code": "7"}) == (
        "0912345678",
        {"name": "An", "code": "7"},
        {},
    )
    _, _, errors = services.check_send(template, {"phone": "x" * 21, "name": "y" * 501})
    assert list(errors) == ["phone", "name", "code"] and "20" in errors["phone"][0] and "500" in errors["name"][0]
